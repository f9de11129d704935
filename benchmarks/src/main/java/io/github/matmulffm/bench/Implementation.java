package io.github.matmulffm.bench;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Matmul;
import io.github.matmulffm.Transpose;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * The implementations side by side, by the id the benchmarks' {@code impl} parameter and
 * the report use. Each one gets the same random inputs in [-1, 1) (seeded by n), held in
 * its own natural form: {@code double[][]}, flat arrays, an EJML matrix or off-heap segments.
 */
public enum Implementation {
    /** The reference: i-j-k over {@code double[][]}. */
    JAVA_NAIVE("java-naive", false, false),
    /** i-k-j over flat {@code double[]}. */
    JAVA_TUNED("java-tuned", false, false),
    /** EJML's {@code CommonOps_DDRM.mult}, the pure-Java library a user would pick. */
    EJML("ejml", false, false),
    /** netlib's VectorBLAS (Vector API, one thread): what Spark uses on JDK 16+ without native code. */
    VECTORBLAS("vectorblas", false, true),
    /** The kernel's naive i-j-k loop behind FFM, on heap arrays: what the binding alone buys. */
    RUST_NAIVE("rust-naive", false, false),
    /** The kernel through {@code Matmul.dgemm(double[] ...)}: critical call when small, copied off-heap when large. */
    RUST_HEAP("rust-heap", true, false),
    /** The kernel through {@code Matmul.dgemm(MemorySegment ...)} on off-heap segments: zero copy. */
    RUST_OFFHEAP("rust-offheap", true, true),
    /** OpenBLAS's {@code cblas_dgemm} / {@code cblas_sgemm} on off-heap segments through FFM. */
    OPENBLAS("openblas", true, true);

    private static final long ALIGNMENT = 64;

    private final String id;
    private final boolean threaded;
    private final boolean hasF32;

    Implementation(String id, boolean threaded, boolean hasF32) {
        this.id = id;
        this.threaded = threaded;
        this.hasF32 = hasF32;
    }

    public String id() {
        return id;
    }

    /** Whether it runs on more than one thread when asked to. */
    public boolean threaded() {
        return threaded;
    }

    /** Whether it has a single-precision variant. */
    public boolean hasF32() {
        return hasF32;
    }

    /** Whether it can run here (OpenBLAS may be absent; VectorBLAS needs jdk.incubator.vector). */
    public boolean available() {
        return switch (this) {
            case OPENBLAS -> OpenBlas.available();
            case VECTORBLAS -> vectorBlas().isPresent();
            default -> true;
        };
    }

    /** netlib's VectorBLAS, if this JVM has the Vector API (else netlib would fall back to a scalar Java BLAS). */
    static java.util.Optional<dev.ludovic.netlib.blas.BLAS> vectorBlas() {
        dev.ludovic.netlib.blas.BLAS blas = dev.ludovic.netlib.blas.JavaBLAS.getInstance();
        return blas.getClass().getSimpleName().equals("VectorBLAS") ? java.util.Optional.of(blas) : java.util.Optional.empty();
    }

    public static Implementation of(String id) {
        for (Implementation implementation : values()) {
            if (implementation.id.equals(id)) {
                return implementation;
            }
        }
        throw new IllegalArgumentException("unknown implementation " + id);
    }

    /** The inputs every implementation multiplies for size n: A then B, row-major, in [-1, 1). */
    public static double[][] inputs(int n) {
        SplittableRandom random = new SplittableRandom(0x5EED_0000L + n);
        double[] a = new double[n * n];
        double[] b = new double[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextDouble(-1, 1);
            b[i] = random.nextDouble(-1, 1);
        }
        return new double[][]{a, b};
    }

    /**
     * Sets up this implementation on the size-n inputs with the given precision ("f64" or
     * "f32") and thread count, runs it once and checks sampled entries of C against a
     * reference dot product, so a benchmark never times a wrong result.
     */
    public Gemm create(String precision, int n, int threads) {
        boolean f32 = switch (precision) {
            case "f64" -> false;
            case "f32" -> true;
            default -> throw new IllegalArgumentException("precision must be f64 or f32, was " + precision);
        };
        if (f32 && !hasF32) {
            throw new IllegalArgumentException(id + " has no f32 variant");
        }
        if (threads != 1 && !threaded) {
            throw new IllegalArgumentException(id + " runs on one thread only, asked for " + threads);
        }
        if (!available()) {
            throw new IllegalStateException(id + " is unavailable: " + (this == OPENBLAS ? OpenBlas.unavailableReason()
                    : "netlib picked " + dev.ludovic.netlib.blas.JavaBLAS.getInstance().getClass().getSimpleName()
                    + "; run with --add-modules=jdk.incubator.vector"));
        }
        double[][] inputs = inputs(n);
        if (f32) {
            for (double[] matrix : inputs) {
                for (int i = 0; i < matrix.length; i++) {
                    matrix[i] = (float) matrix[i];
                }
            }
        }
        Gemm gemm = switch (this) {
            case JAVA_NAIVE -> javaNaive(n, inputs[0], inputs[1]);
            case JAVA_TUNED -> javaTuned(n, inputs[0], inputs[1]);
            case EJML -> ejml(n, inputs[0], inputs[1]);
            case VECTORBLAS -> vectorBlas(n, f32, inputs[0], inputs[1]);
            case RUST_NAIVE -> rustNaive(n, inputs[0], inputs[1]);
            case RUST_HEAP -> {
                Matmul.setThreads(threads);
                yield rustHeap(n, inputs[0], inputs[1]);
            }
            case RUST_OFFHEAP -> {
                Matmul.setThreads(threads);
                yield rustOffHeap(n, f32, inputs[0], inputs[1]);
            }
            case OPENBLAS -> {
                OpenBlas.setThreads(threads);
                yield openBlas(n, f32, inputs[0], inputs[1]);
            }
        };
        gemm.multiply();
        check(gemm, n, f32, inputs[0], inputs[1]);
        return gemm;
    }

    private static void check(Gemm gemm, int n, boolean f32, double[] a, double[] b) {
        double eps = f32 ? Math.ulp(1.0f) : Math.ulp(1.0);
        SplittableRandom random = new SplittableRandom(n);
        for (int sample = 0; sample < 16; sample++) {
            int i = sample == 0 ? 0 : random.nextInt(n);
            int j = sample == 0 ? n - 1 : random.nextInt(n);
            double expected = 0;
            double magnitude = 0;
            for (int p = 0; p < n; p++) {
                expected += a[i * n + p] * b[p * n + j];
                magnitude += Math.abs(a[i * n + p] * b[p * n + j]);
            }
            double actual = gemm.c(i, j);
            if (!(Math.abs(actual - expected) <= 4 * (n + 1) * eps * magnitude + Double.MIN_NORMAL)) {
                throw new IllegalStateException("wrong result: C[" + i + "][" + j + "] = " + actual + ", expected " + expected);
            }
        }
    }

    // ------------------------------------------------------------------ pure Java

    private static Gemm javaNaive(int n, double[] a, double[] b) {
        double[][] a2 = square(n, a);
        double[][] b2 = square(n, b);
        double[][] c2 = new double[n][n];
        return new Gemm() {
            public Object multiply() {
                JavaLoops.naive(a2, b2, c2);
                return c2;
            }

            public double c(int i, int j) {
                return c2[i][j];
            }

            public void close() {
            }
        };
    }

    private static double[][] square(int n, double[] flat) {
        double[][] matrix = new double[n][];
        for (int i = 0; i < n; i++) {
            matrix[i] = java.util.Arrays.copyOfRange(flat, i * n, (i + 1) * n);
        }
        return matrix;
    }

    /** An implementation whose C is a flat row-major {@code double[]}. */
    private abstract static class FlatC implements Gemm {
        final int n;
        final double[] c;

        FlatC(int n) {
            this.n = n;
            this.c = new double[n * n];
        }

        @Override
        public double c(int i, int j) {
            return c[i * n + j];
        }

        @Override
        public void close() {
        }
    }

    private static Gemm javaTuned(int n, double[] a, double[] b) {
        return new FlatC(n) {
            public Object multiply() {
                JavaLoops.tuned(n, a, b, c);
                return c;
            }
        };
    }

    private static Gemm ejml(int n, double[] a, double[] b) {
        DMatrixRMaj am = new DMatrixRMaj(n, n, true, a);
        DMatrixRMaj bm = new DMatrixRMaj(n, n, true, b);
        DMatrixRMaj cm = new DMatrixRMaj(n, n);
        return new Gemm() {
            public Object multiply() {
                CommonOps_DDRM.mult(am, bm, cm);
                return cm;
            }

            public double c(int i, int j) {
                return cm.get(i, j);
            }

            public void close() {
            }
        };
    }

    /**
     * VectorBLAS's Fortran-order gemm on the row-major arrays: C = A B row-major is the
     * column-major C^T = B^T A^T over the same memory.
     */
    private static Gemm vectorBlas(int n, boolean f32, double[] a, double[] b) {
        dev.ludovic.netlib.blas.BLAS blas = vectorBlas().orElseThrow();
        if (f32) {
            float[] af = toFloats(a), bf = toFloats(b), cf = new float[n * n];
            return new Gemm() {
                public Object multiply() {
                    blas.sgemm("N", "N", n, n, n, 1.0f, bf, n, af, n, 0.0f, cf, n);
                    return cf;
                }

                public double c(int i, int j) {
                    return cf[i * n + j];
                }

                public void close() {
                }
            };
        }
        return new FlatC(n) {
            public Object multiply() {
                blas.dgemm("N", "N", n, n, n, 1.0, b, n, a, n, 0.0, c, n);
                return c;
            }
        };
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    // ------------------------------------------------------------------ the kernel, heap arrays

    private static Gemm rustNaive(int n, double[] a, double[] b) {
        return new FlatC(n) {
            public Object multiply() {
                Matmul.dgemmNaive(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, n, n, n,
                        1.0, a, 0, n, b, 0, n, 0.0, c, 0, n);
                return c;
            }
        };
    }

    private static Gemm rustHeap(int n, double[] a, double[] b) {
        return new FlatC(n) {
            public Object multiply() {
                Matmul.dgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, n, n, n,
                        1.0, a, n, b, n, 0.0, c, n);
                return c;
            }

            @Override
            public void close() {
                Matmul.resetThreads();
            }
        };
    }

    // ------------------------------------------------------------------ off-heap: the kernel and OpenBLAS

    /**
     * A, B and C off-heap in a shared arena (JMH may set up and measure on different threads);
     * closing restores the kernel's default thread count when it ran the kernel.
     */
    private abstract static class OffHeap implements Gemm {
        final int n;
        final boolean f32;
        final boolean kernel;
        final Arena arena = Arena.ofShared();
        final MemorySegment a;
        final MemorySegment b;
        final MemorySegment c;

        OffHeap(int n, boolean f32, boolean kernel, double[] a, double[] b) {
            this.n = n;
            this.f32 = f32;
            this.kernel = kernel;
            this.a = segment(a);
            this.b = segment(b);
            this.c = segment(new double[n * n]);
        }

        private MemorySegment segment(double[] values) {
            if (f32) {
                MemorySegment segment = arena.allocate((long) values.length * Float.BYTES, ALIGNMENT);
                for (int i = 0; i < values.length; i++) {
                    segment.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) values[i]);
                }
                return segment;
            }
            MemorySegment segment = arena.allocate((long) values.length * Double.BYTES, ALIGNMENT);
            MemorySegment.copy(values, 0, segment, ValueLayout.JAVA_DOUBLE, 0, values.length);
            return segment;
        }

        @Override
        public double c(int i, int j) {
            long index = (long) i * n + j;
            return f32 ? c.getAtIndex(ValueLayout.JAVA_FLOAT, index) : c.getAtIndex(ValueLayout.JAVA_DOUBLE, index);
        }

        @Override
        public void close() {
            if (kernel) {
                Matmul.resetThreads();
            }
            arena.close();
        }
    }

    private static Gemm rustOffHeap(int n, boolean f32, double[] a, double[] b) {
        if (f32) {
            return new OffHeap(n, true, true, a, b) {
                public Object multiply() {
                    Matmul.sgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, n, n, n,
                            1.0f, this.a, n, this.b, n, 0.0f, this.c, n);
                    return this.c;
                }
            };
        }
        return new OffHeap(n, false, true, a, b) {
            public Object multiply() {
                Matmul.dgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, n, n, n,
                        1.0, this.a, n, this.b, n, 0.0, this.c, n);
                return this.c;
            }
        };
    }

    private static Gemm openBlas(int n, boolean f32, double[] a, double[] b) {
        if (f32) {
            return new OffHeap(n, true, false, a, b) {
                public Object multiply() {
                    OpenBlas.sgemm(n, this.a, this.b, this.c);
                    return this.c;
                }
            };
        }
        return new OffHeap(n, false, false, a, b) {
            public Object multiply() {
                OpenBlas.dgemm(n, this.a, this.b, this.c);
                return this.c;
            }
        };
    }
}
