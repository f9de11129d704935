package io.github.matmulffm.parity;

import java.util.List;

/**
 * One line of parity/batches.csv: a strided batch of {@code count} products of one case's
 * shape. The rules are rust-kernel/tests/parity/batches.rs's, bit for bit: strides are
 * reach + gap (0 for a shared operand), each operand's whole span is filled from
 * SplitMix64(seed), A then B then C, and the checksum covers C's whole span after the
 * naive product of each product in turn.
 */
record BatchParityCase(ParityCase product, int count, boolean shareA, boolean shareB, int gap, long checksum) {
    static final String HEADER = "name,type,layout,trans_a,trans_b,m,n,k,alpha,beta,pad_a,pad_b,pad_c,count,share,gap,seed,checksum";
    private static final List<String> SHARES = List.of("none", "a", "b", "ab");

    static List<BatchParityCase> readAll() {
        return ParityCase.dataLines(ParityCase.file().resolveSibling("batches.csv"), HEADER).stream()
                .map(BatchParityCase::parse).toList();
    }

    static BatchParityCase parse(String line) {
        String[] f = line.split(",", -1);
        if (f.length != 18) {
            throw new IllegalArgumentException("expected 18 fields, got " + f.length + ": " + line);
        }
        int share = SHARES.indexOf(f[14]);
        if (share < 0) {
            throw new IllegalArgumentException("unknown share " + f[14] + ": " + line);
        }
        // The product's fields in cases.csv's order, with no special value.
        String single = String.join(",", List.of(f).subList(0, 13)) + ",none," + f[16] + "," + f[17];
        ParityCase product = ParityCase.parse(single);
        return new BatchParityCase(product, Integer.parseInt(f[13]), (share & 1) != 0, (share & 2) != 0,
                Integer.parseInt(f[15]), product.checksum());
    }

    int strideA() {
        return shareA ? 0 : product.storedA().length() + gap;
    }

    int strideB() {
        return shareB ? 0 : product.storedB().length() + gap;
    }

    int strideC() {
        return product.storedC().length() + gap;
    }

    private int span(int stride, int reach) {
        return count == 0 || reach == 0 ? 0 : (count - 1) * stride + reach;
    }

    /** The three spans in double precision (an f32 case rounds each element to float). */
    ParityCase.Inputs inputs() {
        SplitMix64 random = new SplitMix64(product.seed());
        double[] a = fill(random, span(strideA(), product.storedA().length()));
        double[] b = fill(random, span(strideB(), product.storedB().length()));
        double[] c = fill(random, span(strideC(), product.storedC().length()));
        return new ParityCase.Inputs(a, b, c);
    }

    private static double[] fill(SplitMix64 random, int length) {
        double[] values = new double[length];
        for (int i = 0; i < length; i++) {
            values[i] = random.unit();
        }
        return values;
    }

    /** Product i's own three matrices, each from its first element. */
    ParityCase.Inputs item(ParityCase.Inputs x, int i) {
        return new ParityCase.Inputs(slice(x.a(), i * strideA(), product.storedA().length()),
                slice(x.b(), i * strideB(), product.storedB().length()),
                slice(x.c(), i * strideC(), product.storedC().length()));
    }

    private static double[] slice(double[] x, int from, int length) {
        return length == 0 ? new double[0] : java.util.Arrays.copyOfRange(x, from, from + length);
    }

    /** C's whole span after the Java naive product of each product, widened to double for f32. */
    double[] naive(ParityCase.Inputs x) {
        double[] c = x.c().clone();
        for (int i = 0; i < count && c.length > 0; i++) {
            double[] one = NaiveGemm.result(product, item(x, i));
            System.arraycopy(one, 0, c, i * strideC(), one.length);
        }
        return c;
    }

    /** The naive checksum, over the span in the case's own precision. */
    long naiveChecksum() {
        double[] c = naive(inputs());
        return product.f32() ? Checksum.of(ParityCase.toFloat(c), 0, c.length) : Checksum.of(c, 0, c.length);
    }
}
