package io.github.matmulffm.internal;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Transpose;

import java.util.Locale;
import java.util.Objects;

/**
 * The shape of one product C := alpha op(A) op(B) + beta C after the Java-side checks:
 * every rule the kernel enforces is checked here first, so a bad argument gets an
 * exception that names it instead of a native status code.
 *
 * @param aReach elements of A the description touches, from A's first element (likewise B, C)
 */
public record GemmShape(Layout layout, Transpose transA, Transpose transB, long m, long n, long k,
                        long lda, long ldb, long ldc, long aReach, long bReach, long cReach) {

    public static GemmShape of(Layout layout, Transpose transA, Transpose transB, long m, long n, long k,
                               long lda, long ldb, long ldc) {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(transA, "transA");
        Objects.requireNonNull(transB, "transB");
        requireSize("m", m);
        requireSize("n", n);
        requireSize("k", k);
        long aReach = reach("lda", "A", layout, transA, m, k, lda);
        long bReach = reach("ldb", "B", layout, transB, k, n, ldb);
        long cReach = reach("ldc", "C", layout, Transpose.NO_TRANS, m, n, ldc);
        if (m == 0 || n == 0) {
            // Nothing is done, so neither input is reached (it may be shorter than k allows).
            aReach = 0;
            bReach = 0;
        }
        try {
            Math.multiplyExact(Math.multiplyExact(m, n), Math.max(k, 1));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("size overflow: m * n * k = " + m + " * " + n + " * " + k
                    + " does not fit in 64 bits");
        }
        return new GemmShape(layout, transA, transB, m, n, k, lda, ldb, ldc, aReach, bReach, cReach);
    }

    /** The same product with C stored without padding (ldc = its stored line length). */
    public GemmShape withCompactC() {
        long compactLdc = Math.max(1, layout == Layout.ROW_MAJOR ? n : m);
        return new GemmShape(layout, transA, transB, m, n, k, lda, ldb, compactLdc, aReach, bReach, m * n);
    }

    /** True when C is not touched at all (BLAS quick return). */
    public boolean isEmpty() {
        return m == 0 || n == 0;
    }

    /** Multiply-adds of the product: the measure of "small" and "large". */
    public long multiplyAdds() {
        return m * n * k;
    }

    private static void requireSize(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, but was " + value);
        }
    }

    /**
     * Elements from the first one that a stored operand reaches: (outer - 1) * ld + inner,
     * where inner is the contiguous run (a stored row in row-major, a column in col-major).
     */
    private static long reach(String ldName, String matrix, Layout layout, Transpose trans, long opRows,
                              long opCols, long ld) {
        boolean transposed = trans == Transpose.TRANS;
        long storedRows = transposed ? opCols : opRows;
        long storedCols = transposed ? opRows : opCols;
        boolean rowMajor = layout == Layout.ROW_MAJOR;
        long outer = rowMajor ? storedRows : storedCols;
        long inner = rowMajor ? storedCols : storedRows;
        long minimum = Math.max(1, inner);
        if (ld < minimum) {
            throw new IllegalArgumentException(ldName + " must be >= " + minimum + " ("
                    + (rowMajor ? "the row length" : "the column length") + " of " + matrix + " stored "
                    + storedRows + "x" + storedCols + (rowMajor ? " row-major" : " column-major") + "), but was " + ld);
        }
        if (outer == 0 || inner == 0) {
            return 0;
        }
        try {
            return Math.addExact(Math.multiplyExact(outer - 1, ld), inner);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("size overflow: " + matrix + " stored " + storedRows + "x" + storedCols
                    + " with " + ldName + "=" + ld + " reaches past 2^63 elements");
        }
    }

    /**
     * How a stored operand lies in memory: {@code outer} runs of {@code inner} contiguous
     * elements, {@code ld} apart (rows in row-major, columns in column-major).
     */
    public record Footprint(long outer, long inner, long ld) {
    }

    /** The footprint of "A", "B" or "C". */
    public Footprint footprint(String matrix) {
        boolean rowMajor = layout == Layout.ROW_MAJOR;
        long rows, cols, ld;
        switch (matrix) {
            case "A" -> { boolean t = transA == Transpose.TRANS; rows = t ? k : m; cols = t ? m : k; ld = lda; }
            case "B" -> { boolean t = transB == Transpose.TRANS; rows = t ? n : k; cols = t ? k : n; ld = ldb; }
            default -> { rows = m; cols = n; ld = ldc; }
        }
        return rowMajor ? new Footprint(rows, cols, ld) : new Footprint(cols, rows, ld);
    }

    /** "3x5 row-major A with lda=5": how messages describe an operand. */
    public String describe(String matrix) {
        long ld = switch (matrix) {
            case "A" -> lda;
            case "B" -> ldb;
            default -> ldc;
        };
        return matrix + " (" + (layout == Layout.ROW_MAJOR ? "row-major" : "column-major")
                + ", ld" + matrix.toLowerCase(Locale.ROOT) + "=" + ld + ")";
    }
}
