package io.github.matmulffm.internal;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Transpose;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Products so small that no downcall can beat the JVM (a 2 x 2 x 2 product is 8
 * multiply-adds; crossing into native code and back costs more than all of them): computed
 * here, in Java, with the kernel's arithmetic. Each element is one fused multiply-add per
 * k step, in k order, from zero, then {@code alpha * sum}, then {@code + beta * c} fused
 * (beta == 0 never reads C) — what the FMA microkernels do for a product this small (one
 * k block, one tile), so the result is the kernel's bit for bit on those paths
 * ({@code TinyGemmTest} checks it against the kernel and the parity gauge).
 */
public final class TinyGemm {
    /**
     * Products over Java arrays of at most this many multiply-adds run here
     * ({@code -Dmatmul.tiny.maxMultiplyAdds}, 0 turns the path off): 4 x 4 x 4 by default.
     * Over segments the limit is 2 x 2 x 2 ({@code -Dmatmul.tiny.maxSegmentMultiplyAdds}):
     * each off-heap element costs the Java loop more than an array element, and at 3 x 3 x 3
     * the downcall was already as fast (benchmarks/NOTES.md, "Tiny products").
     */
    public static final long MAX_MULTIPLY_ADDS = Math.max(0, Long.getLong("matmul.tiny.maxMultiplyAdds", 64));
    public static final long MAX_SEGMENT_MULTIPLY_ADDS = Math.max(0, Long.getLong("matmul.tiny.maxSegmentMultiplyAdds", 8));

    private TinyGemm() {
    }

    /** Elements A, B and C may span together for the path (a segment's are copied whole). */
    static final long MAX_SPAN = 1024;

    /**
     * Whether a product is computed here: small in work and in the memory it spans, and with
     * a product to form (k == 0 or alpha == 0 scale C without reading A or B, which the
     * callers do as the kernel does).
     */
    public static boolean takes(GemmShape shape, ElementType type, double alpha, boolean arrays) {
        return shape.multiplyAdds() <= (arrays ? MAX_MULTIPLY_ADDS : MAX_SEGMENT_MULTIPLY_ADDS) && !shape.isEmpty() && !HeapGemm.skipsProduct(shape, type, alpha)
                && shape.aReach() + shape.bReach() + shape.cReach() <= MAX_SPAN;
    }

    /** Over Java arrays from their offsets (checked by the caller): C's window is read and written in place. */
    public static void run(ElementType type, GemmShape s, double alpha, Object a, int aOffset, Object b, int bOffset,
                           double beta, Object c, int cOffset) {
        Strides x = Strides.of(s);
        if (type == ElementType.F64) {
            f64(s, x, alpha, (double[]) a, aOffset, (double[]) b, bOffset, beta, (double[]) c, cOffset);
        } else {
            f32(s, x, (float) alpha, (float[]) a, aOffset, (float[]) b, bOffset, (float) beta, (float[]) c, cOffset);
        }
    }

    /**
     * Over segments holding each matrix from their first element: A, B and C's span are read
     * into arrays in one copy each (cheaper than an access per element), and only C's m x n
     * window is written back, element by element: other threads may own the rest.
     */
    public static void run(ElementType type, GemmShape s, double alpha, MemorySegment a, MemorySegment b, double beta,
                           MemorySegment c) {
        Strides x = Strides.of(s);
        int reach = (int) s.cReach();
        if (type == ElementType.F64) {
            ValueLayout.OfDouble d = ValueLayout.JAVA_DOUBLE;
            double[] cw = new double[reach];
            if (beta != 0.0) {
                MemorySegment.copy(c, d, 0, cw, 0, reach);
            }
            f64(s, x, alpha, a.asSlice(0, s.aReach() * 8).toArray(d), 0, b.asSlice(0, s.bReach() * 8).toArray(d), 0, beta, cw, 0);
            for (int i = 0; i < s.m(); i++) {
                for (int j = 0; j < s.n(); j++) {
                    int at = i * x.rsc + j * x.csc;
                    c.setAtIndex(d, at, cw[at]);
                }
            }
        } else {
            ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
            float[] cw = new float[reach];
            if ((float) beta != 0.0f) {
                MemorySegment.copy(c, f, 0, cw, 0, reach);
            }
            f32(s, x, (float) alpha, a.asSlice(0, s.aReach() * 4).toArray(f), 0, b.asSlice(0, s.bReach() * 4).toArray(f), 0,
                    (float) beta, cw, 0);
            for (int i = 0; i < s.m(); i++) {
                for (int j = 0; j < s.n(); j++) {
                    int at = i * x.rsc + j * x.csc;
                    c.setAtIndex(f, at, cw[at]);
                }
            }
        }
    }

    /** Element (i, j) of op(X) at i * rs + j * cs (ints: every reach here is under MAX_SPAN). */
    private record Strides(int rsa, int csa, int rsb, int csb, int rsc, int csc) {
        static Strides of(GemmShape s) {
            boolean row = s.layout() == Layout.ROW_MAJOR;
            int lda = (int) s.lda(), ldb = (int) s.ldb(), ldc = (int) s.ldc();
            // Stored (r, c) at r * ld + c (row-major) or r + c * ld; a transpose swaps the roles.
            boolean aRowsLd = row != (s.transA() == Transpose.TRANS);
            boolean bRowsLd = row != (s.transB() == Transpose.TRANS);
            return new Strides(aRowsLd ? lda : 1, aRowsLd ? 1 : lda, bRowsLd ? ldb : 1, bRowsLd ? 1 : ldb,
                    row ? ldc : 1, row ? 1 : ldc);
        }
    }

    private static void f64(GemmShape s, Strides x, double alpha, double[] a, int ao, double[] b, int bo, double beta,
                            double[] c, int co) {
        int m = (int) s.m(), n = (int) s.n(), k = (int) s.k();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0.0;
                for (int l = 0; l < k; l++) {
                    sum = Math.fma(a[ao + i * x.rsa + l * x.csa], b[bo + l * x.rsb + j * x.csb], sum);
                }
                int at = co + i * x.rsc + j * x.csc;
                double r = sum * alpha;
                c[at] = beta == 0.0 ? r : Math.fma(c[at], beta, r);
            }
        }
    }

    private static void f32(GemmShape s, Strides x, float alpha, float[] a, int ao, float[] b, int bo, float beta,
                            float[] c, int co) {
        int m = (int) s.m(), n = (int) s.n(), k = (int) s.k();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0.0f;
                for (int l = 0; l < k; l++) {
                    sum = Math.fma(a[ao + i * x.rsa + l * x.csa], b[bo + l * x.rsb + j * x.csb], sum);
                }
                int at = co + i * x.rsc + j * x.csc;
                float r = sum * alpha;
                c[at] = beta == 0.0f ? r : Math.fma(c[at], beta, r);
            }
        }
    }
}
