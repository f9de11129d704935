package io.github.matmulffm;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static io.github.matmulffm.Reference.assertGemm;
import static io.github.matmulffm.Reference.ld;
import static io.github.matmulffm.Reference.reach;

/** Random products against the pure-Java reference, through every entry point. */
class GemmTest {
    private static final double[][] SCALARS = {{1, 0}, {-1.5, 0.7}, {0.7, 1}, {0, -1.5}, {2, 0}};
    private static final double F64_EPS = Math.ulp(1.0);
    private static final double F32_EPS = Math.ulp(1.0f);

    /** Where the operands live. */
    enum Storage { ARRAY, NATIVE_SEGMENT, HEAP_SEGMENT }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        int[][] shapes = {{5, 7, 3}, {17, 9, 33}, {1, 1, 1}, {4, 3, 0}, {140, 130, 120}};
        int seed = 0;
        for (Layout layout : Layout.values()) {
            for (Transpose ta : Transpose.values()) {
                for (Transpose tb : Transpose.values()) {
                    for (int[] shape : shapes) {
                        double[] scalars = SCALARS[seed % SCALARS.length];
                        Storage storage = Storage.values()[seed % Storage.values().length];
                        cases.add(Arguments.of(layout, ta, tb, shape[0], shape[1], shape[2], scalars[0], scalars[1],
                                seed % 4, storage, seed++));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} m={3} n={4} k={5} alpha={6} beta={7} pad={8} {9}")
    @MethodSource("cases")
    void dgemmMatchesReference(Layout layout, Transpose ta, Transpose tb, int m, int n, int k, double alpha,
                               double beta, int padding, Storage storage, int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int lda = ld(layout, ta, m, k, padding), ldb = ld(layout, tb, k, n, padding), ldc = ld(layout, Transpose.NO_TRANS, m, n, padding);
        int aOff = padding, bOff = 2 * padding, cOff = 3 * padding;
        double[] a = Reference.random(random, aOff + reach(layout, ta, m, k, lda) + padding);
        double[] b = Reference.random(random, bOff + reach(layout, tb, k, n, ldb) + padding);
        double[] c0 = Reference.random(random, cOff + reach(layout, Transpose.NO_TRANS, m, n, ldc) + padding);
        double[] c = c0.clone();
        String context = "dgemm " + storage + " seed " + seed;
        switch (storage) {
            case ARRAY -> Matmul.dgemm(layout, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case HEAP_SEGMENT -> Matmul.dgemm(layout, ta, tb, m, n, k, alpha,
                    MemorySegment.ofArray(a).asSlice(aOff * 8L), lda, MemorySegment.ofArray(b).asSlice(bOff * 8L), ldb,
                    beta, MemorySegment.ofArray(c).asSlice(cOff * 8L), ldc);
            case NATIVE_SEGMENT -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment as = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, a);
                    MemorySegment bs = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, b);
                    MemorySegment cs = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, c);
                    Matmul.dgemm(layout, ta, tb, m, n, k, alpha, as.asSlice(aOff * 8L), lda, bs.asSlice(bOff * 8L), ldb,
                            beta, cs.asSlice(cOff * 8L), ldc);
                    c = cs.toArray(ValueLayout.JAVA_DOUBLE);
                }
            }
        }
        assertGemm(layout, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c0, c, cOff, ldc, F64_EPS, context);

        // The naive reference has the same contract.
        double[] naive = c0.clone();
        Matmul.dgemmNaive(layout, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, naive, cOff, ldc);
        assertGemm(layout, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c0, naive, cOff, ldc, F64_EPS, "naive " + context);
    }

    @ParameterizedTest(name = "{0} {1} {2} m={3} n={4} k={5} alpha={6} beta={7} pad={8} {9}")
    @MethodSource("cases")
    void sgemmMatchesReference(Layout layout, Transpose ta, Transpose tb, int m, int n, int k, double alpha,
                               double beta, int padding, Storage storage, int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int lda = ld(layout, ta, m, k, padding), ldb = ld(layout, tb, k, n, padding), ldc = ld(layout, Transpose.NO_TRANS, m, n, padding);
        int aOff = padding, bOff = 2 * padding, cOff = 3 * padding;
        float[] a = toFloat(Reference.random(random, aOff + reach(layout, ta, m, k, lda) + padding));
        float[] b = toFloat(Reference.random(random, bOff + reach(layout, tb, k, n, ldb) + padding));
        float[] c0 = toFloat(Reference.random(random, cOff + reach(layout, Transpose.NO_TRANS, m, n, ldc) + padding));
        float[] c = c0.clone();
        switch (storage) {
            case ARRAY -> Matmul.sgemm(layout, ta, tb, m, n, k, (float) alpha, a, aOff, lda, b, bOff, ldb, (float) beta, c, cOff, ldc);
            case HEAP_SEGMENT -> Matmul.sgemm(layout, ta, tb, m, n, k, (float) alpha,
                    MemorySegment.ofArray(a).asSlice(aOff * 4L), lda, MemorySegment.ofArray(b).asSlice(bOff * 4L), ldb,
                    (float) beta, MemorySegment.ofArray(c).asSlice(cOff * 4L), ldc);
            case NATIVE_SEGMENT -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment as = arena.allocateFrom(ValueLayout.JAVA_FLOAT, a);
                    MemorySegment bs = arena.allocateFrom(ValueLayout.JAVA_FLOAT, b);
                    MemorySegment cs = arena.allocateFrom(ValueLayout.JAVA_FLOAT, c);
                    Matmul.sgemm(layout, ta, tb, m, n, k, (float) alpha, as.asSlice(aOff * 4L), lda, bs.asSlice(bOff * 4L), ldb,
                            (float) beta, cs.asSlice(cOff * 4L), ldc);
                    c = cs.toArray(ValueLayout.JAVA_FLOAT);
                }
            }
        }
        assertGemm(layout, ta, tb, m, n, k, (float) alpha, toDouble(a), aOff, lda, toDouble(b), bOff, ldb, (float) beta,
                toDouble(c0), toDouble(c), cOff, ldc, F32_EPS, "sgemm " + storage + " seed " + seed);
    }

    static float[] toFloat(double[] values) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) result[i] = (float) values[i];
        return result;
    }

    static double[] toDouble(float[] values) {
        double[] result = new double[values.length];
        for (int i = 0; i < values.length; i++) result[i] = values[i];
        return result;
    }
}
