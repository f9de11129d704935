package io.github.matmulffm.parity;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Transpose;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One line of parity/cases.csv, and how its inputs are built: A, B and C filled in that
 * order from SplitMix64(seed), padding between rows included, then one NaN or infinity
 * at op(A)(m/2, k/2), op(B)(k/2, n/2) or C(m/2, n/2). rust-kernel/tests/parity/mod.rs
 * writes the file and follows the same rules.
 */
record ParityCase(String name, boolean f32, Layout layout, Transpose transA, Transpose transB, int m, int n, int k,
                  double alpha, double beta, int padA, int padB, int padC, String special, long seed, long checksum) {

    static final String HEADER = "name,type,layout,trans_a,trans_b,m,n,k,alpha,beta,pad_a,pad_b,pad_c,special,seed,checksum";
    static final List<String> SPECIALS = List.of("none", "nan_a", "inf_a", "nan_b", "neg_inf_b", "nan_c", "inf_c");

    static Path file() {
        return Path.of(System.getProperty("matmul.repo.root", ".."), "parity", "cases.csv");
    }

    static List<ParityCase> readAll() {
        return dataLines(file(), HEADER).stream().map(ParityCase::parse).toList();
    }

    /** The non-empty lines of a parity file after its header, which must be {@code header}. */
    static List<String> dataLines(Path file, String header) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file.toAbsolutePath() + "; run make parity", e);
        }
        if (lines.isEmpty() || !lines.getFirst().equals(header)) {
            throw new IllegalStateException(file + ": unexpected header");
        }
        return lines.subList(1, lines.size()).stream().filter(line -> !line.isEmpty()).toList();
    }

    static ParityCase parse(String line) {
        String[] f = line.split(",", -1);
        if (f.length != 16) {
            throw new IllegalArgumentException("expected 16 fields, got " + f.length + ": " + line);
        }
        if (!SPECIALS.contains(f[13])) {
            throw new IllegalArgumentException("unknown special " + f[13] + ": " + line);
        }
        return new ParityCase(f[0], flag(f[1], "f64", "f32"), flag(f[2], "row", "col") ? Layout.COL_MAJOR : Layout.ROW_MAJOR,
                flag(f[3], "N", "T") ? Transpose.TRANS : Transpose.NO_TRANS,
                flag(f[4], "N", "T") ? Transpose.TRANS : Transpose.NO_TRANS,
                Integer.parseInt(f[5]), Integer.parseInt(f[6]), Integer.parseInt(f[7]),
                Double.parseDouble(f[8]), Double.parseDouble(f[9]),
                Integer.parseInt(f[10]), Integer.parseInt(f[11]), Integer.parseInt(f[12]),
                f[13], Long.parseLong(f[14]), Long.parseUnsignedLong(f[15], 16));
    }

    private static boolean flag(String value, String no, String yes) {
        if (value.equals(no)) return false;
        if (value.equals(yes)) return true;
        throw new IllegalArgumentException(value + " is neither " + no + " nor " + yes);
    }

    /** A stored operand: element (i, j) of op(X) at i * rs + j * cs, {@code length} elements reached. */
    record Stored(int ld, int rs, int cs, int length) {
        int at(int i, int j) {
            return i * rs + j * cs;
        }

        static Stored of(Layout layout, Transpose trans, int opRows, int opCols, int pad) {
            boolean t = trans == Transpose.TRANS;
            int rows = t ? opCols : opRows, cols = t ? opRows : opCols;
            boolean col = layout == Layout.COL_MAJOR;
            int outer = col ? cols : rows, inner = col ? rows : cols;
            int ld = Math.max(inner, 1) + pad;
            int length = outer == 0 || inner == 0 ? 0 : (outer - 1) * ld + inner;
            int srs = col ? 1 : ld, scs = col ? ld : 1;
            return t ? new Stored(ld, scs, srs, length) : new Stored(ld, srs, scs, length);
        }
    }

    Stored storedA() {
        return Stored.of(layout, transA, m, k, padA);
    }

    Stored storedB() {
        return Stored.of(layout, transB, k, n, padB);
    }

    Stored storedC() {
        return Stored.of(layout, Transpose.NO_TRANS, m, n, padC);
    }

    /** The three buffers in double precision; an f32 case rounds each element to float. */
    record Inputs(double[] a, double[] b, double[] c) {
    }

    Inputs inputs() {
        SplitMix64 random = new SplitMix64(seed);
        double[] a = fill(random, storedA().length());
        double[] b = fill(random, storedB().length());
        double[] c = fill(random, storedC().length());
        switch (special) {
            case "nan_a" -> a[storedA().at(m / 2, k / 2)] = Double.NaN;
            case "inf_a" -> a[storedA().at(m / 2, k / 2)] = Double.POSITIVE_INFINITY;
            case "nan_b" -> b[storedB().at(k / 2, n / 2)] = Double.NaN;
            case "neg_inf_b" -> b[storedB().at(k / 2, n / 2)] = Double.NEGATIVE_INFINITY;
            case "nan_c" -> c[storedC().at(m / 2, n / 2)] = Double.NaN;
            case "inf_c" -> c[storedC().at(m / 2, n / 2)] = Double.POSITIVE_INFINITY;
            default -> {
            }
        }
        return new Inputs(a, b, c);
    }

    private static double[] fill(SplitMix64 random, int length) {
        double[] values = new double[length];
        for (int i = 0; i < length; i++) {
            values[i] = random.unit();
        }
        return values;
    }

    static float[] toFloat(double[] values) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (float) values[i];
        }
        return result;
    }

    @Override
    public String toString() {
        return name + " (" + (f32 ? "f32 " : "f64 ") + layout + " " + transA + " " + transB + " " + m + "x" + n + "x" + k
                + " alpha=" + alpha + " beta=" + beta + " pad=" + padA + "/" + padB + "/" + padC + " " + special + ")";
    }
}
