package io.github.matmulffm.internal;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Matmul;
import io.github.matmulffm.Transpose;
import io.github.matmulffm.internal.NativeGemm.Routine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

    /**
     * Past 64^3 a heap product still runs in place, on the kernel's threads, up to 128^3 and
     * 512 KiB; not under a thread budget (a budgeted call may wait for a slot), not for the
     * naive loop, not past either limit.
     */
    @Test
    void mediumProductsRunInPlaceOnlyWithoutABudget() {
        GemmShape medium = rowMajor(128, 128, 128);
        assertFalse(HeapGemm.usesCriticalCall(medium, ElementType.F64), "past MM_PARALLEL_MIN_MNK: not for off-heap segments");
        boolean pooled = HeapGemm.Pooled.MAX_MULTIPLY_ADDS > HeapGemm.CRITICAL_MAX_MULTIPLY_ADDS;
        assertEquals(!Matmul.info().kernel().equals("generic"), pooled, "only the portable kernel keeps 64^3");
        assertEquals(pooled, HeapGemm.runsInPlace(Routine.DGEMM, medium, ElementType.F64));
        assertEquals(pooled, HeapGemm.runsInPlace(Routine.SGEMM, medium, ElementType.F32));
        assertFalse(HeapGemm.runsInPlace(Routine.DGEMM_NAIVE, medium, ElementType.F64), "the naive loop is slow");
        assertFalse(Matmul.withThreads(2, () -> HeapGemm.runsInPlace(Routine.DGEMM, medium, ElementType.F64)), "under a budget");
        assertFalse(HeapGemm.runsInPlace(Routine.DGEMM, rowMajor(129, 128, 128), ElementType.F64), "past 128^3");
        GemmShape wide = rowMajor(16, 4096, 16);
        if (pooled) {
            assertTrue(wide.multiplyAdds() <= HeapGemm.Pooled.MAX_MULTIPLY_ADDS);
        }
        assertFalse(HeapGemm.runsInPlace(Routine.DGEMM, wide, ElementType.F64), "past 512 KiB: " + HeapGemm.spannedBytes(wide, ElementType.F64));
        int cores = Runtime.getRuntime().availableProcessors();
        Matmul.setThreads(cores + 1);
        try {
            assertFalse(HeapGemm.runsInPlace(Routine.DGEMM, medium, ElementType.F64), "more threads than cores");
        } finally {
            Matmul.resetThreads();
        }
    }

    /**
     * What a medium heap product does: with no budget, nothing is staged and the call
     * takes the pool's threads, in place; under a budget of one it is staged. Either way
     * the bits are the off-heap call's, over every layout and transpose, with offsets,
     * padded leading dimensions and beta != 0.
     */
    @ParameterizedTest(name = "{0} {1} {2} {3}x{4}x{5} budget {6}")
    @CsvSource({"ROW_MAJOR, NO_TRANS, NO_TRANS, 100, 100, 100, 0", "ROW_MAJOR, TRANS, NO_TRANS, 128, 128, 128, 0",
            "COL_MAJOR, NO_TRANS, TRANS, 97, 131, 89, 0", "COL_MAJOR, TRANS, TRANS, 120, 101, 111, 0",
            "ROW_MAJOR, NO_TRANS, NO_TRANS, 100, 100, 100, 1", "COL_MAJOR, TRANS, NO_TRANS, 97, 131, 89, 1"})
    void mediumHeapProductsMatchTheOffHeapCall(Layout layout, Transpose ta, Transpose tb, int m, int n, int k, int budget) {
        assumeTrue(budget > 0 || HeapGemm.Pooled.MAX_MULTIPLY_ADDS >= (long) m * n * k, "the portable kernel stages these");
        assumeTrue(budget > 0 || Runtime.getRuntime().availableProcessors() >= 2, "two threads on one core stay staged");
        boolean row = layout == Layout.ROW_MAJOR;
        int lda = (row == (ta == Transpose.NO_TRANS) ? k : m) + 3, ldb = (row == (tb == Transpose.NO_TRANS) ? n : k) + 1;
        int ldc = (row ? n : m) + 2;
        int aLines = row == (ta == Transpose.NO_TRANS) ? m : k, bLines = row == (tb == Transpose.NO_TRANS) ? k : n;
        int off = 5;
        SplittableRandom random = new SplittableRandom(m * 31L + n);
        double[] a = random.doubles(off + (long) aLines * lda, -1, 1).toArray();
        double[] b = random.doubles(off + (long) bLines * ldb, -1, 1).toArray();
        double[] c = random.doubles(off + (long) (row ? m : n) * ldc, -1, 1).toArray();
        double[] heap = c.clone();
        Matmul.setThreads(2);
        try {
            Matmul.peakKernelThreads(true);
            long staged = ScratchBuffers.acquisitions();
            Runnable call = () -> Matmul.dgemm(layout, ta, tb, m, n, k, 0.75, a, off, lda, b, off, ldb, -0.5, heap, off, ldc);
            if (budget == 0) {
                call.run();
                assertEquals(staged, ScratchBuffers.acquisitions(), "staged, not in place");
                assertEquals(2, Matmul.peakKernelThreads(true), "the in-place call took the pool's threads");
            } else {
                Matmul.withThreads(budget, call);
                assertEquals(staged + 1, ScratchBuffers.acquisitions(), "under a budget the operands are staged");
            }
            // The reference at the same thread count (the bits do not depend on it; this
            // checks the path, not that rule).
            try (var arena = java.lang.foreign.Arena.ofConfined()) {
                var as = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_DOUBLE, Arrays.copyOfRange(a, off, a.length));
                var bs = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_DOUBLE, Arrays.copyOfRange(b, off, b.length));
                var cs = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_DOUBLE, Arrays.copyOfRange(c, off, c.length));
                Matmul.dgemm(layout, ta, tb, m, n, k, 0.75, as, lda, bs, ldb, -0.5, cs, ldc);
                double[] offHeap = cs.toArray(java.lang.foreign.ValueLayout.JAVA_DOUBLE);
                assertTrue(Arrays.equals(offHeap, Arrays.copyOfRange(heap, off, heap.length)), "bits differ from the off-heap call");
                assertTrue(Arrays.equals(c, 0, off, heap, 0, off), "elements before the offset were written");
            }
        } finally {
            Matmul.resetThreads();
        }
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

    /**
     * With two kernel threads and no budget, a heap batch's runs may grow to a pooled
     * product's limits so that they reach {@code MM_PARALLEL_MIN_MNK} (the kernel then
     * spreads each over its pool), evened out where the last run reaches it too, else as
     * long as the limits allow. Otherwise the critical runs stay: under a budget, at one
     * thread, above the core count, and where no run within the limits reaches the pool.
     */
    @ParameterizedTest(name = "{0}^3 x {1}, shared {2}: pooled {3}")
    @CsvSource({"8, 4096, none, true", "8, 1728, none, true", "8, 2800, none, true", "32, 512, none, true",
            "32, 512, b, true", "32, 650, none, true", "6, 4724, none, true", "16, 1000, ab, true", "64, 100, a, true",
            "2, 200000, none, false", "8, 1000, none, false", "8, 1727, none, false", "100, 10, none, false"})
    void heapBatchRunsTakeThePoolOnlyWhereTheyReachIt(int n, int count, String shared, boolean pooled) {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "two kernel threads need two cores");
        GemmShape item = rowMajor(n, n, n);
        long stride = (long) n * n + 1;
        BatchShape batch = BatchShape.of(item, shared.contains("a") ? 0 : stride, shared.contains("b") ? 0 : stride, stride, count);
        long threshold = HeapGemm.CRITICAL_CEILING + 1;
        Matmul.setThreads(2);
        try {
            long run = HeapBatch.productsPerPooledCall(batch, ElementType.F64);
            if (!pooled || Matmul.info().kernel().equals("generic")) {
                assertEquals(0, run, pooled ? "the portable kernel keeps the critical runs" : "no run reaches the pool");
                return;
            }
            assertTrue(run >= 1 && run <= count, "run " + run);
            assertTrue(run * item.multiplyAdds() >= threshold, "a run of " + run + " stays below the pool");
            BatchShape part = batch.withCount(run);
            assertTrue(part.multiplyAdds() <= HeapGemm.Pooled.MAX_MULTIPLY_ADDS, part.multiplyAdds() + " multiply-adds");
            assertTrue(spanned(part) <= HeapGemm.Pooled.MAX_RUN_BYTES, spanned(part) + " bytes");
            long runs = Math.ceilDiv(count, run);
            long last = count - (runs - 1) * run;
            if (last * item.multiplyAdds() < threshold) {
                BatchShape longer = batch.withCount(run + 1);
                assertTrue(longer.multiplyAdds() > HeapGemm.Pooled.MAX_MULTIPLY_ADDS
                        || spanned(longer) > HeapGemm.Pooled.MAX_RUN_BYTES, "the last run is short, yet the others could be longer");
            }
            if (n == 8 && count == 4096) {
                assertEquals(2048, run, "two runs of 2048 (one of 4096 spans 6 MB)");
            }
            if (n == 32 && count == 650) {
                assertEquals(60, run, "ten runs of 64 would leave 10 products for the caller");
            }
            if (n == 6 && count == 4724) {
                assertEquals(4723, run, "evened runs of 2362 would not reach the pool");
            }
            assertEquals(0, (long) Matmul.withThreads(2, () -> HeapBatch.productsPerPooledCall(batch, ElementType.F64)),
                    "under a budget");
            Matmul.setThreads(1);
            assertEquals(0, HeapBatch.productsPerPooledCall(batch, ElementType.F64), "one kernel thread");
            Matmul.setThreads(Runtime.getRuntime().availableProcessors() + 1);
            assertEquals(0, HeapBatch.productsPerPooledCall(batch, ElementType.F64), "more threads than cores");
        } finally {
            Matmul.resetThreads();
        }
    }

    /**
     * The runs a heap batch is cut into: pooled ones while what is left reaches the pool,
     * then critical ones, so a remainder the kernel runs on the caller stays within the
     * critical limits; every product exactly once.
     */
    @ParameterizedTest(name = "{0} products, pooled {1}, critical {2}")
    @CsvSource({"3455, 1728, 341", "4096, 2048, 341", "4100, 2048, 341", "1000, 0, 341", "650, 60, 8"})
    void runsAfterThePoolStayCritical(long count, long pooled, long critical) {
        long each = 512;
        long threshold = HeapGemm.PARALLEL_MIN_MULTIPLY_ADDS;
        long covered = 0;
        boolean pooledPhase = true;
        while (covered < count) {
            long run = HeapBatch.nextRun(count - covered, each, pooled, critical);
            assertTrue(run >= 1 && run <= count - covered, "run " + run);
            if (run * each >= threshold) {
                assertTrue(pooledPhase && run <= pooled, "a pooled run of " + run + " after a critical one");
            } else {
                pooledPhase = false;
                assertTrue(run <= critical, "a run of " + run + " below the pool is past the critical limit " + critical);
            }
            covered += run;
        }
        assertEquals(count, covered);
    }

    private static double spanned(BatchShape batch) {
        return ((double) batch.aSpan() + batch.bSpan() + batch.cSpan()) * Double.BYTES;
    }

    /**
     * What a pooled heap batch does: nothing staged, two kernel threads, and the bits of the
     * same batch over segments, with offsets, gaps between the products' C (left as they
     * were), shared operands and beta != 0.
     */
    @ParameterizedTest(name = "{0} {1} {2} {3}^3 x {4}, shared {5}")
    @CsvSource({"ROW_MAJOR, NO_TRANS, NO_TRANS, 8, 4096, none", "COL_MAJOR, TRANS, NO_TRANS, 8, 2000, b",
            "ROW_MAJOR, NO_TRANS, TRANS, 32, 300, none", "COL_MAJOR, TRANS, TRANS, 20, 700, a"})
    void pooledHeapBatchesMatchTheOffHeapBatch(Layout layout, Transpose ta, Transpose tb, int n, int count, String shared) {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "two kernel threads need two cores");
        assumeTrue(!Matmul.info().kernel().equals("generic"), "the portable kernel keeps the critical runs");
        int ld = n + 1, off = 3;
        int reach = (n - 1) * ld + n;
        int strideA = shared.contains("a") ? 0 : reach + 2, strideB = shared.contains("b") ? 0 : reach + 5, strideC = reach + 3;
        SplittableRandom random = new SplittableRandom(n * 131L + count);
        double[] a = random.doubles(off + (long) (count - 1) * strideA + reach, -1, 1).toArray();
        double[] b = random.doubles(off + (long) (count - 1) * strideB + reach, -1, 1).toArray();
        double[] c = random.doubles(off + (long) (count - 1) * strideC + reach + 4, -1, 1).toArray();
        double[] heap = c.clone();
        Matmul.setThreads(2);
        try {
            Matmul.peakKernelThreads(true);
            long staged = ScratchBuffers.acquisitions();
            Matmul.dgemmBatch(layout, ta, tb, n, n, n, 0.75, a, off, ld, strideA, b, off, ld, strideB, -0.5, heap, off, ld,
                    strideC, count);
            assertEquals(staged, ScratchBuffers.acquisitions(), "staged, not in place");
            assertEquals(2, Matmul.peakKernelThreads(true), "the in-place runs took the pool's threads");
            try (var arena = java.lang.foreign.Arena.ofConfined()) {
                var as = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_DOUBLE, Arrays.copyOfRange(a, off, a.length));
                var bs = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_DOUBLE, Arrays.copyOfRange(b, off, b.length));
                var cs = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_DOUBLE, Arrays.copyOfRange(c, off, c.length));
                Matmul.dgemmBatch(layout, ta, tb, n, n, n, 0.75, as, ld, strideA, bs, ld, strideB, -0.5, cs, ld, strideC, count);
                double[] offHeap = cs.toArray(java.lang.foreign.ValueLayout.JAVA_DOUBLE);
                assertTrue(Arrays.equals(offHeap, Arrays.copyOfRange(heap, off, heap.length)), "bits differ from the off-heap batch");
                assertTrue(Arrays.equals(c, 0, off, heap, 0, off), "elements before the offset were written");
                for (int i = 0; i < count; i++) {
                    int gap = off + i * strideC + reach;
                    assertTrue(Arrays.equals(c, gap, gap + 3, heap, gap, gap + 3), "the gap after product " + i + " was written");
                }
            }
        } finally {
            Matmul.resetThreads();
        }
    }

    @Test
    void aHeapBatchOfProductsPastTheLimitsIsStaged() {
        BatchShape batch = BatchShape.of(rowMajor(100, 100, 100), 10_000, 10_000, 10_000, 3);
        assertEquals(0, HeapBatch.productsPerCriticalCall(batch, ElementType.F64));
        BatchShape thin = BatchShape.of(rowMajor(1, 1, 100_000), 100_000, 100_000, 1, 2);
        assertEquals(0, HeapBatch.productsPerCriticalCall(thin, ElementType.F64), "one product spans 1.6 MB");
    }
}
