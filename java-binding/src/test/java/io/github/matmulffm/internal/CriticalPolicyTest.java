package io.github.matmulffm.internal;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Matmul;
import io.github.matmulffm.Transpose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A critical (heap-access) downcall holds the garbage collector off until it returns, so
 * it is chosen only for products small in work and in the memory they span. At 879cbec
 * the choice looked at multiply-adds alone: k = 0 over an 8000 x 8000 C, or a 1 x 1 x
 * 262144 dot product, held every other thread at a safepoint for up to 172 ms.
 * (benchmarks/NOTES.md has the time-to-safepoint figures, from {@code make safepoints}.)
 */
class CriticalPolicyTest {

    static GemmShape rowMajor(long m, long n, long k) {
        return GemmShape.of(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, m, n, k,
                Math.max(1, k), Math.max(1, n), Math.max(1, n));
    }

    @ParameterizedTest(name = "{0} x {1} x {2}")
    @CsvSource({"8000, 8000, 0", "1, 1, 262144", "262144, 1, 1", "1, 262144, 1", "1, 2000, 2000", "4000, 1, 4000",
            "2048, 2048, 1"})
    void largeOrThinProductsAreNeverCritical(long m, long n, long k) {
        GemmShape shape = rowMajor(m, n, k);
        assertFalse(HeapGemm.usesCriticalCall(shape, ElementType.F64), shape + " spans " + HeapGemm.spannedBytes(shape, ElementType.F64));
        assertFalse(HeapGemm.usesCriticalCall(shape, ElementType.F32), shape.toString());
    }

    @Test
    void smallProductsStayCritical() {
        assertTrue(HeapGemm.usesCriticalCall(rowMajor(2, 2, 2), ElementType.F64));
        assertTrue(HeapGemm.usesCriticalCall(rowMajor(64, 64, 64), ElementType.F64));
        assertTrue(HeapGemm.usesCriticalCall(rowMajor(8, 8, 1000), ElementType.F64));
    }

    @Test
    void spannedBytesDoNotOverflow() {
        GemmShape shape = rowMajor(3_000_000_000L, 3_000_000_000L, 0);
        assertEquals(Long.MAX_VALUE, HeapGemm.spannedBytes(shape, ElementType.F64));
        assertFalse(HeapGemm.usesCriticalCall(shape, ElementType.F64));
    }

    /**
     * k = 0 and alpha = 0 scale C in Java (no downcall at all): beta == 0 overwrites NaN
     * with zeros, other betas scale, and nothing outside the m x n window is touched.
     */
    @ParameterizedTest(name = "{0} beta={1} k={2} alpha={3} f32={4}")
    @CsvSource({
            "ROW_MAJOR, 0.0, 0, 1.0, false", "ROW_MAJOR, 2.5, 0, 1.0, false", "COL_MAJOR, -1.5, 5, 0.0, false",
            "ROW_MAJOR, 1.0, 0, 1.0, false", "COL_MAJOR, 0.0, 7, 0.0, true", "ROW_MAJOR, 0.75, 0, NaN, true"})
    void scaleOnlyProductsTouchTheWindowAlone(Layout layout, double beta, int k, double alpha, boolean f32) {
        int m = 300, n = 200, ld = (layout == Layout.ROW_MAJOR ? n : m) + 3, offset = 5;
        int lines = layout == Layout.ROW_MAJOR ? m : n;
        int length = offset + lines * ld + 4;
        SplittableRandom random = new SplittableRandom(42);
        double[] c = random.doubles(length, -1, 1).toArray();
        c[offset] = Double.NaN;
        double[] before = c.clone();
        float[] cf = new float[length];
        for (int i = 0; i < length; i++) {
            cf[i] = (float) c[i];
        }
        float[] beforeF = cf.clone();
        // A and B may be empty or absent when k == 0; with alpha == 0 they are not read.
        int aLen = k == 0 ? 0 : m * k + k, bLen = k == 0 ? 0 : k * n + n;
        int lda = Math.max(1, layout == Layout.ROW_MAJOR ? k : m), ldb = Math.max(1, layout == Layout.ROW_MAJOR ? n : k);
        if (f32) {
            Matmul.sgemm(layout, Transpose.NO_TRANS, Transpose.NO_TRANS, m, n, k, (float) alpha, new float[aLen], 0, lda,
                    new float[bLen], 0, ldb, (float) beta, cf, offset, ld);
        } else {
            Matmul.dgemm(layout, Transpose.NO_TRANS, Transpose.NO_TRANS, m, n, k, alpha, new double[aLen], 0, lda,
                    new double[bLen], 0, ldb, beta, c, offset, ld);
        }
        int lineLength = layout == Layout.ROW_MAJOR ? n : m;
        for (int i = 0; i < length; i++) {
            int rel = i - offset;
            boolean inWindow = rel >= 0 && rel / ld < lines && rel % ld < lineLength;
            if (f32) {
                float expected = inWindow ? (beta == 0 ? 0f : (float) beta * beforeF[i]) : beforeF[i];
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(cf[i]), "element " + i);
            } else {
                double expected = inWindow ? (beta == 0 ? 0.0 : beta * before[i]) : before[i];
                assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(c[i]), "element " + i);
            }
        }
    }

    /** The scaling in Java gives the kernel's bits: the same call through an off-heap C. */
    @Test
    void scalingInJavaMatchesTheKernel() {
        int m = 70, n = 50;
        double[] c = new SplittableRandom(3).doubles(m * n, -1, 1).toArray();
        double[] heap = c.clone();
        Matmul.dgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, m, n, 0, 1.0, new double[0], 1,
                new double[0], n, 0.3, heap, n);
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var segment = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_DOUBLE, c);
            Matmul.dgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, m, n, 0, 1.0,
                    java.lang.foreign.MemorySegment.NULL, 1, java.lang.foreign.MemorySegment.NULL, n, 0.3, segment, n);
            double[] offHeap = segment.toArray(java.lang.foreign.ValueLayout.JAVA_DOUBLE);
            assertTrue(Arrays.equals(offHeap, heap));
        }
    }

    /**
     * A heap batch runs in place as runs of products, each run one critical call: every run
     * within both limits, and as long as they allow (one more product would pass one).
     */
    @ParameterizedTest(name = "{0}^3 x {1}, shared {2}")
    @CsvSource({"8, 4096, none", "32, 512, none", "32, 512, b", "2, 100000, ab", "64, 100, a", "63, 7, none"})
    void heapBatchRunsStayWithinTheCriticalLimits(int n, int count, String shared) {
        GemmShape item = rowMajor(n, n, n);
        long stride = (long) n * n + 1;
        BatchShape batch = BatchShape.of(item, shared.contains("a") ? 0 : stride, shared.contains("b") ? 0 : stride, stride, count);
        long run = HeapBatch.productsPerCriticalCall(batch, ElementType.F64);
        assertTrue(run >= 1 && run <= count, "run " + run);
        BatchShape part = batch.withCount(run);
        assertTrue(HeapBatch.usesCriticalCall(part, ElementType.F64), "a run of " + run + " passes a limit");
        if (run < count) {
            assertFalse(HeapBatch.usesCriticalCall(batch.withCount(run + 1), ElementType.F64), "a run of " + (run + 1) + " fits too");
        }
        assertEquals(BatchShape.of(item, batch.strideA(), batch.strideB(), stride, run), part, "withCount agrees with of");
    }

    @Test
    void aHeapBatchOfProductsPastTheLimitsIsStaged() {
        BatchShape batch = BatchShape.of(rowMajor(100, 100, 100), 10_000, 10_000, 10_000, 3);
        assertEquals(0, HeapBatch.productsPerCriticalCall(batch, ElementType.F64));
        BatchShape thin = BatchShape.of(rowMajor(1, 1, 100_000), 100_000, 100_000, 1, 2);
        assertEquals(0, HeapBatch.productsPerCriticalCall(thin, ElementType.F64), "one product spans 1.6 MB");
    }
}
