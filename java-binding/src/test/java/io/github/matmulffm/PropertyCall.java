package io.github.matmulffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One dgemm/sgemm call of the property tests, through heap arrays, heap segments or
 * off-heap segments. Each operand is a window {@code [offset, offset + length)} of a
 * backing buffer whose other elements are guards: arrays get the offset, segments are
 * sliced to the window. After {@link #invoke} the backing buffers hold what the call
 * left there, guards included, so a test sees any write anywhere.
 */
final class PropertyCall {
    enum Storage { ARRAY, HEAP_SEGMENT, NATIVE_SEGMENT }

    /** An operand: its backing buffer and the window handed to the call (arrays: offset only). */
    static final class Operand {
        double[] data;
        int offset;
        int length;
        boolean isNull;

        Operand(double[] data, int offset, int length) {
            this.data = data;
            this.offset = offset;
            this.length = length;
        }

        Operand copy() {
            Operand o = new Operand(data.clone(), offset, length);
            o.isNull = isNull;
            return o;
        }
    }

    Storage storage;
    boolean f32;
    Layout layout;
    Transpose transA;
    Transpose transB;
    long m;
    long n;
    long k;
    double alpha;
    double beta;
    long lda;
    long ldb;
    long ldc;
    Operand a;
    Operand b;
    Operand c;
    /** Segment faults that arrays cannot have. */
    boolean cReadOnly;
    boolean aArenaClosed;
    boolean cOverlapsA;

    PropertyCall copy() {
        PropertyCall x = new PropertyCall();
        x.storage = storage;
        x.f32 = f32;
        x.layout = layout;
        x.transA = transA;
        x.transB = transB;
        x.m = m;
        x.n = n;
        x.k = k;
        x.alpha = alpha;
        x.beta = beta;
        x.lda = lda;
        x.ldb = ldb;
        x.ldc = ldc;
        x.a = a.copy();
        x.b = b.copy();
        x.c = c.copy();
        x.cReadOnly = cReadOnly;
        x.aArenaClosed = aArenaClosed;
        x.cOverlapsA = cOverlapsA;
        return x;
    }

    void invoke() {
        if (storage == Storage.ARRAY) {
            invokeArrays();
        } else {
            invokeSegments();
        }
    }

    private void invokeArrays() {
        int mi = Math.toIntExact(m), ni = Math.toIntExact(n), ki = Math.toIntExact(k);
        int li = Math.toIntExact(lda), lj = Math.toIntExact(ldb), lk = Math.toIntExact(ldc);
        if (f32) {
            float[] af = toFloat(a), bf = toFloat(b);
            float[] cf = cOverlapsA ? af : toFloat(c);
            try {
                Matmul.sgemm(layout, transA, transB, mi, ni, ki, (float) alpha, af, a.offset, li, bf, b.offset, lj,
                        (float) beta, cf, c.offset, lk);
            } finally {
                back(af, a);
                back(bf, b);
                back(cf, cOverlapsA ? a : c);
            }
        } else {
            double[] ad = a.isNull ? null : a.data, bd = b.isNull ? null : b.data;
            double[] cd = cOverlapsA ? ad : c.isNull ? null : c.data;
            Matmul.dgemm(layout, transA, transB, mi, ni, ki, alpha, ad, a.offset, li, bd, b.offset, lj, beta, cd, c.offset, lk);
        }
    }

    private void invokeSegments() {
        ValueLayout element = f32 ? ValueLayout.JAVA_FLOAT : ValueLayout.JAVA_DOUBLE;
        long bytes = element.byteSize();
        Arena closed = Arena.ofConfined();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment aw = whole(aArenaClosed ? closed : arena, a), bw = whole(arena, b), cw = whole(arena, c);
            MemorySegment as = window(aw, a, bytes), bs = window(bw, b, bytes);
            MemorySegment cs = cOverlapsA ? window(aw, c, bytes) : window(cw, c, bytes);
            if (cReadOnly && cs != null) {
                cs = cs.asReadOnly();
            }
            if (aArenaClosed) {
                closed.close();
            }
            try {
                if (f32) {
                    Matmul.sgemm(layout, transA, transB, m, n, k, (float) alpha, as, lda, bs, ldb, (float) beta, cs, ldc);
                } else {
                    Matmul.dgemm(layout, transA, transB, m, n, k, alpha, as, lda, bs, ldb, beta, cs, ldc);
                }
            } finally {
                if (!aArenaClosed) {
                    back(aw, a);
                }
                back(bw, b);
                back(cw, c);
            }
        } finally {
            if (closed.scope().isAlive()) {
                closed.close();
            }
        }
    }

    private MemorySegment whole(Arena arena, Operand o) {
        if (o.isNull) {
            return null;
        }
        if (storage == Storage.HEAP_SEGMENT) {
            return f32 ? MemorySegment.ofArray(toFloat(o)) : MemorySegment.ofArray(o.data.clone());
        }
        return f32 ? arena.allocateFrom(ValueLayout.JAVA_FLOAT, toFloat(o)) : arena.allocateFrom(ValueLayout.JAVA_DOUBLE, o.data);
    }

    private static MemorySegment window(MemorySegment whole, Operand o, long bytes) {
        return whole == null ? null : whole.asSlice(o.offset * bytes, o.length * bytes);
    }

    private void back(MemorySegment whole, Operand o) {
        if (whole == null) {
            return;
        }
        if (f32) {
            float[] values = whole.toArray(ValueLayout.JAVA_FLOAT);
            for (int i = 0; i < values.length; i++) o.data[i] = values[i];
        } else {
            o.data = whole.toArray(ValueLayout.JAVA_DOUBLE);
        }
    }

    private static float[] toFloat(Operand o) {
        if (o.isNull) {
            return null;
        }
        float[] values = new float[o.data.length];
        for (int i = 0; i < values.length; i++) values[i] = (float) o.data[i];
        return values;
    }

    private static void back(float[] values, Operand o) {
        if (values != null) {
            for (int i = 0; i < values.length; i++) o.data[i] = values[i];
        }
    }

    /** Rounds every backing value to float, so an f32 call starts from exactly what it is given. */
    void roundInputsToFloat() {
        for (Operand o : new Operand[]{a, b, c}) {
            for (int i = 0; i < o.data.length; i++) o.data[i] = (float) o.data[i];
        }
        alpha = (float) alpha;
        beta = (float) beta;
    }

    @Override
    public String toString() {
        return (f32 ? "sgemm " : "dgemm ") + storage + " " + layout + " " + transA + " " + transB + " m=" + m + " n=" + n
                + " k=" + k + " alpha=" + alpha + " beta=" + beta + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc
                + " a[" + a.offset + "+" + a.length + " of " + a.data.length + "]" + " b[" + b.offset + "+" + b.length
                + " of " + b.data.length + "]" + " c[" + c.offset + "+" + c.length + " of " + c.data.length + "]"
                + (cReadOnly ? " c read-only" : "") + (aArenaClosed ? " a closed" : "") + (cOverlapsA ? " c overlaps a" : "")
                + (a.isNull ? " a null" : "") + (b.isNull ? " b null" : "") + (c.isNull ? " c null" : "");
    }

    static boolean sameBits(double[] x, double[] y) {
        return Arrays.equals(x, y);
    }
}
