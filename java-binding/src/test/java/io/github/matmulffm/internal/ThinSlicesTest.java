package io.github.matmulffm.internal;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Matmul;
import io.github.matmulffm.Transpose;
import io.github.matmulffm.parity.SplitMix64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Thin products over heap arrays run in place as bounded critical calls ({@link ThinSlices}):
 * no operand is staged, every slice stays within the critical limits, and C gets the bits of
 * the same product over off-heap segments (one kernel call), or agrees within the parity
 * gauge where the slices cut k. Random thin shapes past the critical limits, every layout
 * and transpose, offsets, padded leading dimensions, zero and non-zero beta, f64 and f32;
 * C's padding is never written.
 */
class ThinSlicesTest {
    static LongStream seeds() {
        return LongStream.range(0, 48);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void heapThinProductsRunInPlaceWithTheOffHeapResult(long seed) {
        SplitMix64 r = new SplitMix64(0x7A1EL + seed);
        int small = r.between(1, (int) ThinSlices.THIN_MAX);
        int longSide = r.between(3000, 9000);
        int other = r.between(64, 400);
        int m, n, k;
        switch ((int) (seed % 4)) {
            case 0 -> { m = longSide; n = small; k = other; }            // matrix x narrow panel
            case 1 -> { m = small; n = longSide; k = other; }            // narrow panel x matrix
            case 2 -> { m = 2 * other + 9; n = longSide / 2; k = small; }    // outer product, rank <= 8
            default -> { m = small; n = r.between(1, 8); k = 40 * longSide; } // dot products
        }
        Layout layout = r.nextBoolean() ? Layout.ROW_MAJOR : Layout.COL_MAJOR;
        Transpose ta = r.nextBoolean() ? Transpose.TRANS : Transpose.NO_TRANS;
        Transpose tb = r.nextBoolean() ? Transpose.TRANS : Transpose.NO_TRANS;
        boolean row = layout == Layout.ROW_MAJOR;
        int lda = run(row, ta, m, k) + r.nextInt(3), ldb = run(row, tb, k, n) + r.nextInt(3), ldc = (row ? n : m) + r.nextInt(3);
        GemmShape shape = GemmShape.of(layout, ta, tb, m, n, k, lda, ldb, ldc);
        double[] scalars = {1, -1.5, 0.7, 0};
        double alpha = scalars[r.nextInt(3)], beta = scalars[r.nextInt(4)];
        boolean f32 = r.nextBoolean();
        ElementType type = f32 ? ElementType.F32 : ElementType.F64;
        ThinSlices.Plan plan = ThinSlices.plan(shape, type);
        assertNotNull(plan, shape + " should run in slices");
        assertTrue(plan.count() > 1 || !HeapGemm.usesCriticalCall(shape, type), shape.toString());

        int off = r.nextInt(3);
        double[] a = fill(r, off + (int) shape.aReach()), b = fill(r, off + (int) shape.bReach()), c = fill(r, off + (int) shape.cReach());
        long staged = ScratchBuffers.acquisitions();
        double[] heap;
        if (f32) {
            float[] cf = toFloat(c);
            Matmul.sgemm(layout, ta, tb, m, n, k, (float) alpha, toFloat(a), off, lda, toFloat(b), off, ldb, (float) beta, cf, off, ldc);
            heap = wide(cf);
        } else {
            heap = c.clone();
            Matmul.dgemm(layout, ta, tb, m, n, k, alpha, a, off, lda, b, off, ldb, beta, heap, off, ldc);
        }
        assertEquals(staged, ScratchBuffers.acquisitions(), shape + ": heap operands were staged off-heap");

        double[] offHeap;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment as = segment(arena, f32, a), bs = segment(arena, f32, b), cs = segment(arena, f32, c);
            long bytes = type.bytes();
            if (f32) {
                Matmul.sgemm(layout, ta, tb, m, n, k, (float) alpha, as.asSlice(off * bytes), lda, bs.asSlice(off * bytes), ldb,
                        (float) beta, cs.asSlice(off * bytes), ldc);
                offHeap = wide(cs.toArray(ValueLayout.JAVA_FLOAT));
            } else {
                Matmul.dgemm(layout, ta, tb, m, n, k, alpha, as.asSlice(off * bytes), lda, bs.asSlice(off * bytes), ldb, beta,
                        cs.asSlice(off * bytes), ldc);
                offHeap = cs.toArray(ValueLayout.JAVA_DOUBLE);
            }
        }
        double eps = f32 ? Math.ulp(1.0f) : Math.ulp(1.0);
        boolean cutsK = plan.side() == ThinSlices.Side.DEPTH && plan.count() > 1;
        boolean[] window = window(row, m, n, ldc, off, c.length);
        for (int i = 0; i < c.length; i++) {
            if (!window[i]) {
                double original = f32 ? (float) c[i] : c[i];
                assertEquals(Double.doubleToRawLongBits(original), Double.doubleToRawLongBits(heap[i]), shape + ": padding C[" + i + "] written");
            } else if (cutsK) {
                double bound = (k + 2) * eps * 16 * (Math.abs(alpha) * k + Math.abs(beta) * Math.abs(c[i]) + 1);
                assertTrue(Math.abs(heap[i] - offHeap[i]) <= bound, shape + ": C[" + i + "] = " + heap[i] + ", off-heap " + offHeap[i]);
            } else {
                assertEquals(Double.doubleToRawLongBits(offHeap[i]), Double.doubleToRawLongBits(heap[i]), shape + " " + plan + ": C[" + i + "] bits");
            }
        }
    }

    /**
     * Every slice of a plan within both critical limits, the slices covering the cut side
     * exactly: at one kernel thread, where no band is made for the pool.
     */
    @ParameterizedTest(name = "{0} x {1} x {2} f32={3}")
    @CsvSource({"1, 1, 262144, false", "1, 2000, 2000, false", "4000, 1, 4000, false", "4000, 1, 4000, true",
            "2048, 2048, 1, false", "4000, 8, 1000, false", "8, 8, 100000, true", "300, 5000, 8, false", "5, 3, 999983, false"})
    void slicesStayWithinTheCriticalLimits(long m, long n, long k, boolean f32) {
        Matmul.setThreads(1);
        try {
            ElementType type = f32 ? ElementType.F32 : ElementType.F64;
            assertSlices(CriticalPolicyTest.rowMajor(m, n, k), type, HeapGemm.CRITICAL_MAX_MULTIPLY_ADDS,
                    HeapGemm.CRITICAL_MAX_BYTES, 0);
        } finally {
            Matmul.resetThreads();
        }
    }

    /**
     * At two kernel threads and no budget, bands large enough for the pool, each within a
     * pooled call's limits and reaching {@code MM_PARALLEL_MIN_MNK}, where those limits
     * allow it; the critical slices otherwise (runs of k: a dot product, a row-major vector x
     * matrix; bands that cannot reach the pool within 4 MiB: an f64 outer product), and under
     * a budget.
     */
    @ParameterizedTest(name = "{0} x {1} x {2} f32={3}: pooled {4}")
    @CsvSource({"4000, 8, 1000, false, true", "4000, 8, 1000, true, true", "4000, 1, 4000, false, false",
            "4000, 1, 4000, true, true",
            "1, 2000, 2000, false, false", "2000, 2000, 1, false, false", "2048, 2048, 1, false, false",
            "1, 2000, 2000, true, false", "2000, 2000, 1, true, true",
            "1, 1, 262144, false, false", "8, 8, 100000, true, false", "300, 5000, 8, false, true"})
    void bandsForThePoolReachIt(long m, long n, long k, boolean f32, boolean pooled) {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "two threads need two cores");
        org.junit.jupiter.api.Assumptions.assumeTrue(!Matmul.info().kernel().equals("generic"), "the portable kernel keeps 64^3");
        ElementType type = f32 ? ElementType.F32 : ElementType.F64;
        GemmShape shape = CriticalPolicyTest.rowMajor(m, n, k);
        Matmul.setThreads(2);
        try {
            if (pooled) {
                assertSlices(shape, type, HeapGemm.Pooled.MAX_MULTIPLY_ADDS, HeapGemm.Pooled.MAX_RUN_BYTES,
                        HeapGemm.PARALLEL_MIN_MULTIPLY_ADDS);
            } else {
                assertSlices(shape, type, HeapGemm.CRITICAL_MAX_MULTIPLY_ADDS, HeapGemm.CRITICAL_MAX_BYTES, 0);
            }
            Matmul.withThreads(2, () -> assertSlices(shape, type, HeapGemm.CRITICAL_MAX_MULTIPLY_ADDS,
                    HeapGemm.CRITICAL_MAX_BYTES, 0));
        } finally {
            Matmul.resetThreads();
        }
    }

    /**
     * A heap thin product's bits do not depend on the thread setting or a budget, though the
     * slices do (pooled bands at two threads, critical ones at one or under a budget).
     */
    @ParameterizedTest(name = "{0} x {1} x {2} f32={3}")
    @CsvSource({"4000, 8, 1000, false", "1, 2000, 2000, true", "2000, 2000, 1, true", "4000, 1, 4000, true",
            "5, 3, 99999, false", "300, 5000, 8, false"})
    void heapBitsDoNotDependOnTheThreadSetting(int m, int n, int k, boolean f32) {
        SplitMix64 r = new SplitMix64(m * 7919L + n * 31L + k);
        double[] a = fill(r, m * k), b = fill(r, k * n), c = fill(r, m * n);
        double[][] results = new double[3][];
        for (int setting = 0; setting < 3; setting++) {
            double[][] out = new double[1][];
            Runnable call = f32 ? () -> {
                float[] cf = toFloat(c);
                Matmul.sgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, m, n, k, 0.5f, toFloat(a), k,
                        toFloat(b), n, -1f, cf, n);
                out[0] = wide(cf);
            } : () -> {
                double[] cd = c.clone();
                Matmul.dgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, m, n, k, 0.5, a, k, b, n, -1, cd, n);
                out[0] = cd;
            };
            Matmul.setThreads(setting == 0 ? 1 : 2);
            try {
                if (setting == 2) {
                    Matmul.withThreads(1, call);
                } else {
                    call.run();
                }
            } finally {
                Matmul.resetThreads();
            }
            results[setting] = out[0];
            assertEquals(c.length, results[setting].length);
        }
        assertTrue(Arrays.equals(results[0], results[1]), "one thread and two give different bits");
        assertTrue(Arrays.equals(results[0], results[2]), "a budget of one and none give different bits");
    }

    /**
     * The plan's slices cover the cut side exactly, each within the limits and, for
     * bands, at least {@code MIN_BAND} wide and {@code minMultiplyAdds} of work.
     */
    private static void assertSlices(GemmShape shape, ElementType type, long maxMultiplyAdds, long maxBytes, long minMultiplyAdds) {
        long m = shape.m(), n = shape.n(), k = shape.k();
        ThinSlices.Plan plan = ThinSlices.plan(shape, type);
        assertNotNull(plan, shape.toString());
        long covered = 0;
        long largest = 0;
        for (long s = 0; s < plan.count(); s++) {
            assertEquals(covered, plan.start(s));
            long size = plan.size(s);
            long pm = plan.side() == ThinSlices.Side.ROWS ? size : m;
            long pn = plan.side() == ThinSlices.Side.COLUMNS ? size : n;
            long pk = plan.side() == ThinSlices.Side.DEPTH ? size : k;
            long touched = (pm * pk + pk * pn + pm * pn) * type.bytes();
            assertTrue(touched <= maxBytes, plan + ": slice " + s + " touches " + touched + " bytes");
            assertTrue(pm * pn * pk <= maxMultiplyAdds, plan + ": slice " + s);
            assertTrue(pm * pn * pk >= minMultiplyAdds, plan + ": slice " + s + " does not reach the pool");
            if (plan.side() != ThinSlices.Side.DEPTH && plan.count() > 1) {
                assertTrue(size >= ThinSlices.MIN_BAND, plan + ": slice " + s + " is " + size + " wide");
            }
            largest = Math.max(largest, pm * pn * pk);
            covered += size;
        }
        assertEquals(plan.length(), covered);
        if (minMultiplyAdds == 0 && plan.count() > 1) {
            assertTrue(largest <= HeapGemm.CRITICAL_MAX_MULTIPLY_ADDS, plan + ": a band made for the pool");
        }
    }

    /** Not thin, tiny, or no slice fits the limits (a whole operand each slice needs is too big): staged as before. */
    @Test
    void productsThatAreNotSlicedThin() {
        assertNull(ThinSlices.plan(CriticalPolicyTest.rowMajor(100, 100, 100), ElementType.F64));
        assertNull(ThinSlices.plan(CriticalPolicyTest.rowMajor(9, 9, 9), ElementType.F64));
        assertNull(ThinSlices.plan(CriticalPolicyTest.rowMajor(2, 2, 2), ElementType.F64));
        assertNull(ThinSlices.plan(CriticalPolicyTest.rowMajor(1, 100000, 100000), ElementType.F64));
        assertNull(ThinSlices.plan(CriticalPolicyTest.rowMajor(100000, 100000, 1), ElementType.F64));
    }

    private static boolean[] window(boolean row, int m, int n, int ldc, int off, int length) {
        boolean[] inside = new boolean[length];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                inside[off + (row ? i * ldc + j : i + j * ldc)] = true;
            }
        }
        return inside;
    }

    private static int run(boolean row, Transpose t, int rows, int cols) {
        boolean trans = t == Transpose.TRANS;
        return row ? (trans ? rows : cols) : (trans ? cols : rows);
    }

    private static double[] fill(SplitMix64 r, int length) {
        double[] x = new double[length];
        for (int i = 0; i < length; i++) {
            x[i] = r.unit();
        }
        return x;
    }

    private static float[] toFloat(double[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) x[i];
        }
        return y;
    }

    private static double[] wide(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static MemorySegment segment(Arena arena, boolean f32, double[] x) {
        return f32 ? arena.allocateFrom(ValueLayout.JAVA_FLOAT, toFloat(x)) : arena.allocateFrom(ValueLayout.JAVA_DOUBLE, x);
    }
}
