package io.github.matmulffm.internal;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Matmul;
import io.github.matmulffm.Transpose;
import io.github.matmulffm.internal.NativeGemm.Routine;
import io.github.matmulffm.parity.SplitMix64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tiny products computed in Java ({@link TinyGemm}, shapes up to 4 x 4 x 4) against the kernel computing the same
 * product (a critical downcall on the same arrays): within the parity gauge on every
 * kernel path, and bit for bit on the AVX-512 kernel, whose arithmetic TinyGemm repeats.
 * Random shapes up to the path's limit, every layout and transpose, offsets, padded
 * leading dimensions, zero and non-zero beta, f64 and f32, arrays and off-heap segments;
 * C's padding is never written.
 */
class TinyGemmTest {
    static LongStream seeds() {
        return LongStream.range(0, 300);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void tinyProductsMatchTheKernel(long seed) {
        SplitMix64 r = new SplitMix64(0x71A7L + seed);
        int m = r.between(1, 4), n = r.between(1, 4), k = r.between(1, 4);
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
        // run() is checked up to 4 x 4 x 4; the public API takes the Java path up to the limit.
        assertEquals(m * n * k <= TinyGemm.MAX_MULTIPLY_ADDS && alpha != 0, TinyGemm.takes(shape, type, alpha, true), shape.toString());
        assertEquals(m * n * k <= TinyGemm.MAX_SEGMENT_MULTIPLY_ADDS && alpha != 0, TinyGemm.takes(shape, type, alpha, false), shape.toString());
        int off = r.nextInt(3);
        double[] a = fill(r, off + (int) shape.aReach()), b = fill(r, off + (int) shape.bReach()), c = fill(r, off + (int) shape.cReach());

        Object[] java = arrays(f32, a, b, c), kernel = arrays(f32, a, b, c);
        TinyGemm.run(type, shape, alpha, java[0], off, java[1], off, beta, java[2], off);
        Routine routine = f32 ? Routine.SGEMM : Routine.DGEMM;
        NativeGemm.callInPlace(routine, shape, alpha, slice(type, kernel[0], off, shape.aReach()),
                slice(type, kernel[1], off, shape.bReach()), beta, slice(type, kernel[2], off, shape.cReach()));
        double[] got = wide(java[2]), want = wide(kernel[2]);
        double eps = f32 ? Math.ulp(1.0f) : Math.ulp(1.0);
        for (int i = 0; i < got.length; i++) {
            double bound = (k + 2) * eps * 16 * (Math.abs(alpha) * k + Math.abs(beta) * Math.abs(c[i]) + 1);
            assertTrue(Math.abs(got[i] - want[i]) <= bound, shape + ": C[" + i + "] = " + got[i] + ", the kernel gives " + want[i]);
        }
        if (Matmul.info().kernel().equals("avx512")) {
            for (int i = 0; i < got.length; i++) {
                assertEquals(Double.doubleToRawLongBits(want[i]), Double.doubleToRawLongBits(got[i]),
                        shape + " alpha=" + alpha + " beta=" + beta + (f32 ? " f32" : " f64") + ": C[" + i + "] bits");
            }
        }
        // Off-heap segments through the public API: the bits of whichever path they take.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment as = segment(arena, f32, a), bs = segment(arena, f32, b), cs = segment(arena, f32, c);
            long bytes = type.bytes();
            if (f32) {
                Matmul.sgemm(layout, ta, tb, m, n, k, (float) alpha, as.asSlice(off * bytes), lda, bs.asSlice(off * bytes), ldb,
                        (float) beta, cs.asSlice(off * bytes), ldc);
            } else {
                Matmul.dgemm(layout, ta, tb, m, n, k, alpha, as.asSlice(off * bytes), lda, bs.asSlice(off * bytes), ldb, beta,
                        cs.asSlice(off * bytes), ldc);
            }
            double[] offHeap = f32 ? wide(cs.toArray(ValueLayout.JAVA_FLOAT)) : cs.toArray(ValueLayout.JAVA_DOUBLE);
            // Segments take the Java path only up to their own limit; past it, the kernel.
            double[] same = TinyGemm.takes(shape, type, alpha, false) ? got : want;
            for (int i = 0; i < got.length; i++) {
                assertEquals(Double.doubleToRawLongBits(same[i]), Double.doubleToRawLongBits(offHeap[i]), shape + ": off-heap C[" + i + "]");
            }
        }
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

    private static Object[] arrays(boolean f32, double[]... xs) {
        Object[] out = new Object[xs.length];
        for (int i = 0; i < xs.length; i++) {
            out[i] = f32 ? toFloat(xs[i]) : xs[i].clone();
        }
        return out;
    }

    private static float[] toFloat(double[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) x[i];
        }
        return y;
    }

    private static double[] wide(Object x) {
        if (x instanceof double[] d) {
            return d;
        }
        float[] f = (float[]) x;
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static MemorySegment slice(ElementType type, Object array, int off, long reach) {
        return type.wrap(array).asSlice(off * type.bytes(), reach * type.bytes());
    }

    private static MemorySegment segment(Arena arena, boolean f32, double[] x) {
        return f32 ? arena.allocateFrom(ValueLayout.JAVA_FLOAT, toFloat(x)) : arena.allocateFrom(ValueLayout.JAVA_DOUBLE, x);
    }
}
