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

    /** Elements A, B and C may span together for the path (int strides; little memory). */
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
        int m = (int) s.m(), n = (int) s.n(), k = (int) s.k();
        if (type == ElementType.F64) {
            f64(m, n, k, x.rsa, x.csa, x.rsb, x.csb, x.rsc, x.csc, alpha, (double[]) a, aOffset, (double[]) b, bOffset,
                    beta, (double[]) c, cOffset);
        } else {
            f32(m, n, k, x.rsa, x.csa, x.rsb, x.csb, x.rsc, x.csc, (float) alpha, (float[]) a, aOffset, (float[]) b,
                    bOffset, (float) beta, (float[]) c, cOffset);
        }
    }

    /**
     * Over segments holding each matrix from their first element, read and written in place,
     * element by element (copying them to arrays first cost more than the product: three
     * allocations and copies for a 2 x 2 x 2 one). Only C's m x n window is touched: other
     * threads may own the rest.
     */
    public static void run(ElementType type, GemmShape s, double alpha, MemorySegment a, MemorySegment b, double beta,
                           MemorySegment c) {
        Strides x = Strides.of(s);
        int m = (int) s.m(), n = (int) s.n(), k = (int) s.k();
        if (type == ElementType.F64) {
            f64(m, n, k, x.rsa, x.csa, x.rsb, x.csb, x.rsc, x.csc, alpha, a, b, beta, c);
        } else {
            f32(m, n, k, x.rsa, x.csa, x.rsb, x.csb, x.rsc, x.csc, (float) alpha, a, b, (float) beta, c);
        }
    }

    /**
     * Element (i, j) of op(X) at i * rs + j * cs. Ints: a stride that multiplies an index
     * above 0 is below its operand's reach, under MAX_SPAN; one that never does (a single
     * row or column) may be cut short, harmlessly. The loops below take the strides as
     * ints, not this record: they are too large for the JIT to inline, and a record passed
     * to a method that is not inlined must be allocated, and with it the shape it was read
     * from (136 bytes a call, a third of a 2 x 2 x 2 product's time). Read where it is
     * made, it never leaves registers.
     */
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

    // Each element's sum is one chain of k dependent FMAs; four columns of a row are summed
    // side by side so that four chains are in flight (one at a time, a 4 x 4 x 4 product
    // waited on the FMA latency: ~100 ns). The order of each element's operations is the
    // same either way, so are the bits. Four copies of one loop (f64 and f32, arrays and
    // segments) because Java has no generics over primitives, and arrays wrapped as heap
    // segments through the segment loop ran at 127-153 ns a 4 x 4 x 4 call against 82.

    private static void f64(int m, int n, int k, int rsa, int csa, int rsb, int csb, int rsc, int csc, double alpha,
                            double[] a, int ao, double[] b, int bo, double beta, double[] c, int co) {
        for (int i = 0; i < m; i++) {
            int ai = ao + i * rsa, ci = co + i * rsc;
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                int bj = bo + j * csb;
                double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
                for (int l = 0; l < k; l++) {
                    double av = a[ai + l * csa];
                    int bl = bj + l * rsb;
                    s0 = Math.fma(av, b[bl], s0);
                    s1 = Math.fma(av, b[bl + csb], s1);
                    s2 = Math.fma(av, b[bl + 2 * csb], s2);
                    s3 = Math.fma(av, b[bl + 3 * csb], s3);
                }
                int at = ci + j * csc;
                put(c, at, s0, alpha, beta);
                put(c, at + csc, s1, alpha, beta);
                put(c, at + 2 * csc, s2, alpha, beta);
                put(c, at + 3 * csc, s3, alpha, beta);
            }
            for (; j < n; j++) {
                double sum = 0.0;
                for (int l = 0; l < k; l++) {
                    sum = Math.fma(a[ai + l * csa], b[bo + l * rsb + j * csb], sum);
                }
                put(c, ci + j * csc, sum, alpha, beta);
            }
        }
    }

    private static void f32(int m, int n, int k, int rsa, int csa, int rsb, int csb, int rsc, int csc, float alpha,
                            float[] a, int ao, float[] b, int bo, float beta, float[] c, int co) {
        for (int i = 0; i < m; i++) {
            int ai = ao + i * rsa, ci = co + i * rsc;
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                int bj = bo + j * csb;
                float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
                for (int l = 0; l < k; l++) {
                    float av = a[ai + l * csa];
                    int bl = bj + l * rsb;
                    s0 = Math.fma(av, b[bl], s0);
                    s1 = Math.fma(av, b[bl + csb], s1);
                    s2 = Math.fma(av, b[bl + 2 * csb], s2);
                    s3 = Math.fma(av, b[bl + 3 * csb], s3);
                }
                int at = ci + j * csc;
                put(c, at, s0, alpha, beta);
                put(c, at + csc, s1, alpha, beta);
                put(c, at + 2 * csc, s2, alpha, beta);
                put(c, at + 3 * csc, s3, alpha, beta);
            }
            for (; j < n; j++) {
                float sum = 0.0f;
                for (int l = 0; l < k; l++) {
                    sum = Math.fma(a[ai + l * csa], b[bo + l * rsb + j * csb], sum);
                }
                put(c, ci + j * csc, sum, alpha, beta);
            }
        }
    }

    private static void f64(int m, int n, int k, int rsa, int csa, int rsb, int csb, int rsc, int csc, double alpha,
                            MemorySegment a, MemorySegment b, double beta, MemorySegment c) {
        ValueLayout.OfDouble d = ValueLayout.JAVA_DOUBLE;
        for (int i = 0; i < m; i++) {
            int ai = i * rsa, ci = i * rsc;
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                int bj = j * csb;
                double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
                for (int l = 0; l < k; l++) {
                    double av = a.getAtIndex(d, ai + l * csa);
                    int bl = bj + l * rsb;
                    s0 = Math.fma(av, b.getAtIndex(d, bl), s0);
                    s1 = Math.fma(av, b.getAtIndex(d, bl + csb), s1);
                    s2 = Math.fma(av, b.getAtIndex(d, bl + 2 * csb), s2);
                    s3 = Math.fma(av, b.getAtIndex(d, bl + 3 * csb), s3);
                }
                int at = ci + j * csc;
                put(c, at, s0, alpha, beta);
                put(c, at + csc, s1, alpha, beta);
                put(c, at + 2 * csc, s2, alpha, beta);
                put(c, at + 3 * csc, s3, alpha, beta);
            }
            for (; j < n; j++) {
                double sum = 0.0;
                for (int l = 0; l < k; l++) {
                    sum = Math.fma(a.getAtIndex(d, ai + l * csa), b.getAtIndex(d, l * rsb + j * csb), sum);
                }
                put(c, ci + j * csc, sum, alpha, beta);
            }
        }
    }

    private static void f32(int m, int n, int k, int rsa, int csa, int rsb, int csb, int rsc, int csc, float alpha,
                            MemorySegment a, MemorySegment b, float beta, MemorySegment c) {
        ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
        for (int i = 0; i < m; i++) {
            int ai = i * rsa, ci = i * rsc;
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                int bj = j * csb;
                float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
                for (int l = 0; l < k; l++) {
                    float av = a.getAtIndex(f, ai + l * csa);
                    int bl = bj + l * rsb;
                    s0 = Math.fma(av, b.getAtIndex(f, bl), s0);
                    s1 = Math.fma(av, b.getAtIndex(f, bl + csb), s1);
                    s2 = Math.fma(av, b.getAtIndex(f, bl + 2 * csb), s2);
                    s3 = Math.fma(av, b.getAtIndex(f, bl + 3 * csb), s3);
                }
                int at = ci + j * csc;
                put(c, at, s0, alpha, beta);
                put(c, at + csc, s1, alpha, beta);
                put(c, at + 2 * csc, s2, alpha, beta);
                put(c, at + 3 * csc, s3, alpha, beta);
            }
            for (; j < n; j++) {
                float sum = 0.0f;
                for (int l = 0; l < k; l++) {
                    sum = Math.fma(a.getAtIndex(f, ai + l * csa), b.getAtIndex(f, l * rsb + j * csb), sum);
                }
                put(c, ci + j * csc, sum, alpha, beta);
            }
        }
    }

    /** C := alpha * sum, or alpha * sum + beta * C fused; beta == 0 never reads C. */
    private static void put(double[] c, int at, double sum, double alpha, double beta) {
        double r = sum * alpha;
        c[at] = beta == 0.0 ? r : Math.fma(c[at], beta, r);
    }

    private static void put(float[] c, int at, float sum, float alpha, float beta) {
        float r = sum * alpha;
        c[at] = beta == 0.0f ? r : Math.fma(c[at], beta, r);
    }

    private static void put(MemorySegment c, long at, double sum, double alpha, double beta) {
        double r = sum * alpha;
        c.setAtIndex(ValueLayout.JAVA_DOUBLE, at, beta == 0.0 ? r : Math.fma(c.getAtIndex(ValueLayout.JAVA_DOUBLE, at), beta, r));
    }

    private static void put(MemorySegment c, long at, float sum, float alpha, float beta) {
        float r = sum * alpha;
        c.setAtIndex(ValueLayout.JAVA_FLOAT, at, beta == 0.0f ? r : Math.fma(c.getAtIndex(ValueLayout.JAVA_FLOAT, at), beta, r));
    }
}
