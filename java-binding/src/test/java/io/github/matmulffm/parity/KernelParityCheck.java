package io.github.matmulffm.parity;

import io.github.matmulffm.Matmul;
import io.github.matmulffm.parity.ParityCase.Stored;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The optimised kernel, through the public API, against the naive result on every parity
 * case: the gauge of DESIGN.md (ratio below 16), NaN and infinity exactly where the naive
 * result has them, and nothing written outside C's m x n window (its padding, and guard
 * elements on both sides of the buffer). The cases rotate through heap arrays, off-heap
 * segments and heap segments. {@link #main} runs it in a child JVM whose kernel is forced
 * by MATMUL_KERNEL, which the native library reads once per process.
 */
public final class KernelParityCheck {
    /** Elements before and after each buffer that no call may touch. */
    static final int GUARD = 8;
    static final double SENTINEL = 1234.5;

    private KernelParityCheck() {
    }

    /** Failures, each naming its case; empty when every case passes. */
    static List<String> run(List<ParityCase> cases) {
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            ParityCase p = cases.get(i);
            Storage storage = Storage.values()[i % Storage.values().length];
            try {
                String failure = check(p, storage);
                if (failure != null) {
                    failures.add(p + " via " + storage + ": " + failure);
                }
            } catch (RuntimeException e) {
                failures.add(p + " via " + storage + ": " + e);
            }
        }
        return failures;
    }

    enum Storage { ARRAY, NATIVE_SEGMENT, HEAP_SEGMENT }

    static String check(ParityCase p, Storage storage) {
        ParityCase.Inputs x = p.inputs();
        double[] want = NaiveGemm.result(p, x);
        double[] got = p.f32() ? callF32(p, x, storage) : callF64(p, x, storage);
        return compare(p, x, want, got);
    }

    /** C with its guards: GUARD sentinels, C's reach, GUARD sentinels. */
    private static double[] guarded(double[] values) {
        double[] g = new double[values.length + 2 * GUARD];
        java.util.Arrays.fill(g, SENTINEL);
        System.arraycopy(values, 0, g, GUARD, values.length);
        return g;
    }

    private static double[] callF64(ParityCase p, ParityCase.Inputs x, Storage storage) {
        double[] a = guarded(x.a()), b = guarded(x.b()), c = guarded(x.c());
        int lda = p.storedA().ld(), ldb = p.storedB().ld(), ldc = p.storedC().ld();
        switch (storage) {
            case ARRAY -> Matmul.dgemm(p.layout(), p.transA(), p.transB(), p.m(), p.n(), p.k(), p.alpha(),
                    a, GUARD, lda, b, GUARD, ldb, p.beta(), c, GUARD, ldc);
            case HEAP_SEGMENT -> Matmul.dgemm(p.layout(), p.transA(), p.transB(), p.m(), p.n(), p.k(), p.alpha(),
                    inner(MemorySegment.ofArray(a), 8), lda, inner(MemorySegment.ofArray(b), 8), ldb, p.beta(),
                    inner(MemorySegment.ofArray(c), 8), ldc);
            case NATIVE_SEGMENT -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment as = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, a);
                    MemorySegment bs = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, b);
                    MemorySegment cs = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, c);
                    Matmul.dgemm(p.layout(), p.transA(), p.transB(), p.m(), p.n(), p.k(), p.alpha(),
                            inner(as, 8), lda, inner(bs, 8), ldb, p.beta(), inner(cs, 8), ldc);
                    return cs.toArray(ValueLayout.JAVA_DOUBLE);
                }
            }
        }
        return c;
    }

    private static double[] callF32(ParityCase p, ParityCase.Inputs x, Storage storage) {
        float[] a = ParityCase.toFloat(guarded(x.a())), b = ParityCase.toFloat(guarded(x.b()));
        float[] c = ParityCase.toFloat(guarded(x.c()));
        int lda = p.storedA().ld(), ldb = p.storedB().ld(), ldc = p.storedC().ld();
        float alpha = (float) p.alpha(), beta = (float) p.beta();
        switch (storage) {
            case ARRAY -> Matmul.sgemm(p.layout(), p.transA(), p.transB(), p.m(), p.n(), p.k(), alpha,
                    a, GUARD, lda, b, GUARD, ldb, beta, c, GUARD, ldc);
            case HEAP_SEGMENT -> Matmul.sgemm(p.layout(), p.transA(), p.transB(), p.m(), p.n(), p.k(), alpha,
                    inner(MemorySegment.ofArray(a), 4), lda, inner(MemorySegment.ofArray(b), 4), ldb, beta,
                    inner(MemorySegment.ofArray(c), 4), ldc);
            case NATIVE_SEGMENT -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment as = arena.allocateFrom(ValueLayout.JAVA_FLOAT, a);
                    MemorySegment bs = arena.allocateFrom(ValueLayout.JAVA_FLOAT, b);
                    MemorySegment cs = arena.allocateFrom(ValueLayout.JAVA_FLOAT, c);
                    Matmul.sgemm(p.layout(), p.transA(), p.transB(), p.m(), p.n(), p.k(), alpha,
                            inner(as, 4), lda, inner(bs, 4), ldb, beta, inner(cs, 4), ldc);
                    c = cs.toArray(ValueLayout.JAVA_FLOAT);
                }
            }
        }
        double[] wide = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            wide[i] = c[i];
        }
        return wide;
    }

    /** The segment between the guards: the API takes each matrix from a segment's first byte. */
    private static MemorySegment inner(MemorySegment whole, long bytes) {
        return whole.asSlice(GUARD * bytes, whole.byteSize() - 2 * GUARD * bytes);
    }

    /** {@code got} is C with its guards; {@code want} the naive C without them. */
    static String compare(ParityCase p, ParityCase.Inputs x, double[] want, double[] got) {
        Stored sa = p.storedA(), sb = p.storedB(), sc = p.storedC();
        double eps = p.f32() ? Math.ulp(1.0f) : Math.ulp(1.0);
        double[] a = x.a(), b = x.b(), c0 = x.c();
        if (p.f32()) {
            a = widen(a);
            b = widen(b);
            c0 = widen(c0);
        }
        double alpha = p.f32() ? (float) p.alpha() : p.alpha();
        double beta = p.f32() ? (float) p.beta() : p.beta();
        boolean[] inside = new boolean[got.length];
        for (int i = 0; i < p.m(); i++) {
            for (int j = 0; j < p.n(); j++) {
                int idx = sc.at(i, j);
                inside[GUARD + idx] = true;
                double g = got[GUARD + idx], w = want[idx];
                String at = "C(" + i + "," + j + ") = " + g + ", naive " + w;
                if (!Double.isFinite(g) || !Double.isFinite(w)) {
                    if (!(Double.isNaN(g) && Double.isNaN(w)) && g != w) {
                        return at + ": non-finite values must match";
                    }
                    continue;
                }
                double scale = 0;
                if (alpha != 0) {
                    for (int l = 0; l < p.k(); l++) {
                        scale += Math.abs(a[sa.at(i, l)] * b[sb.at(l, j)]);
                    }
                    scale *= Math.abs(alpha);
                }
                if (beta != 0) {
                    scale += Math.abs(beta) * Math.abs(c0[idx]);
                }
                double bound = (p.k() + 2.0) * eps * scale;
                if (bound == 0 ? g != w : Math.abs(g - w) / bound >= 16) {
                    return at + ": ratio " + Math.abs(g - w) / bound + " (must be below 16)";
                }
            }
        }
        for (int idx = 0; idx < got.length; idx++) {
            int inC = idx - GUARD;
            double before = inC >= 0 && inC < c0.length ? c0[inC] : SENTINEL;
            if (!inside[idx] && Double.compare(got[idx], before) != 0) {
                return "element " + inC + " of C outside the m x n window changed from " + before + " to " + got[idx];
            }
        }
        return null;
    }

    private static double[] widen(double[] values) {
        double[] result = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (float) values[i];
        }
        return result;
    }

    /** Child-JVM entry: prints the kernel and the failures; exits 1 if there are any. */
    public static void main(String[] args) {
        List<ParityCase> cases = ParityCase.readAll();
        List<String> failures = run(cases);
        System.out.println("kernel=" + Matmul.info().kernel() + " cases=" + cases.size() + " failures=" + failures.size());
        failures.forEach(System.out::println);
        System.exit(failures.isEmpty() ? 0 : 1);
    }
}
