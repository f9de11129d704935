package io.github.matmulffm.bench;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Matmul;
import io.github.matmulffm.Transpose;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Thin products (m, n or k at most 8), memory-bound: C := A * B row-major in f64, per
 * implementation, against the memory roof. {@code read-roof} is that roof measured: one
 * streaming read ({@code MemorySegment.mismatch} of two equal off-heap halves, the JDK's
 * vectorised compare) of as many bytes as the product reads and writes, so a product's
 * time over it is its distance from the roof, in the same cache state and the same run.
 *
 * <pre>java -jar benchmarks.jar ThinBenchmark -p shape=dot,matvec -p impl=rust-offheap,java-loop</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector", "-Xms2g"})
public class ThinBenchmark {
    private static final Layout ROW = Layout.ROW_MAJOR;
    private static final Transpose N = Transpose.NO_TRANS;

    /** The shapes, m x n x k. */
    public enum Shape {
        DOT("dot", 1, 1, 262144),
        VECMAT("vecmat", 1, 2000, 2000),
        MATVEC("matvec", 4000, 1, 4000),
        PANEL("panel", 4000, 8, 1000),
        OUTER("outer", 2000, 2000, 1);

        final String id;
        final int m;
        final int n;
        final int k;

        Shape(String id, int m, int n, int k) {
            this.id = id;
            this.m = m;
            this.n = n;
            this.k = k;
        }

        static Shape of(String id) {
            for (Shape shape : values()) {
                if (shape.id.equals(id)) {
                    return shape;
                }
            }
            throw new IllegalArgumentException("unknown shape " + id);
        }

        /** Bytes the product must read (A, B) and write (C) in f64. */
        long bytes() {
            return ((long) m * k + (long) k * n + (long) m * n) * Double.BYTES;
        }

        String dims() {
            return m + " x " + n + " x " + k;
        }
    }

    /** dot (1 x 1 x 262144), vecmat (1 x 2000 x 2000), matvec (4000 x 1 x 4000), panel (4000 x 8 x 1000), outer (2000 x 2000 x 1). */
    @Param({"dot", "vecmat", "matvec", "panel", "outer"})
    public String shape;

    /** java-loop, vectorblas, rust-heap, rust-offheap, openblas, or read-roof (the memory roof). */
    @Param({"rust-offheap"})
    public String impl;

    @Param({"1"})
    public int threads;

    private Shape s;
    private double[] a;
    private double[] b;
    private double[] c;
    private Arena arena;
    private MemorySegment as;
    private MemorySegment bs;
    private MemorySegment cs;
    private MemorySegment half1;
    private MemorySegment half2;
    private dev.ludovic.netlib.blas.BLAS vectorBlas;

    @Setup(Level.Trial)
    public void setUp() {
        s = Shape.of(shape);
        SplittableRandom random = new SplittableRandom(0x7A1EL);
        a = random.doubles((long) s.m * s.k, -1, 1).toArray();
        b = random.doubles((long) s.k * s.n, -1, 1).toArray();
        c = new double[s.m * s.n];
        arena = Arena.ofShared();
        as = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, a);
        bs = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, b);
        cs = arena.allocate((long) c.length * Double.BYTES, 64);
        long half = s.bytes() / 2;
        half1 = arena.allocate(half, 64);
        half2 = arena.allocate(half, 64);
        Matmul.setThreads(threads);
        if (impl.equals("openblas")) {
            OpenBlas.setThreads(threads);
        }
        if (impl.equals("vectorblas")) {
            vectorBlas = Implementation.vectorBlas().orElseThrow();
        }
        if (!impl.equals("read-roof")) {
            multiply();
            check();
        }
    }

    @Benchmark
    public Object multiply() {
        int m = s.m, n = s.n, k = s.k;
        switch (impl) {
            case "java-loop" -> javaLoop(m, n, k, a, b, c);
            // Fortran order: C = A B row-major is C^T = B^T A^T column-major over the same memory.
            case "vectorblas" -> vectorBlas.dgemm("N", "N", n, m, k, 1.0, b, Math.max(1, n), a, Math.max(1, k), 0.0, c, Math.max(1, n));
            case "rust-heap" -> Matmul.dgemm(ROW, N, N, m, n, k, 1.0, a, k, b, n, 0.0, c, n);
            case "rust-offheap" -> Matmul.dgemm(ROW, N, N, m, n, k, 1.0, as, k, bs, n, 0.0, cs, n);
            case "openblas" -> OpenBlas.dgemm(m, n, k, as, bs, cs);
            case "read-roof" -> {
                return half1.mismatch(half2);
            }
            default -> throw new IllegalArgumentException("unknown implementation " + impl);
        }
        return c;
    }

    /**
     * The loop a careful Java programmer writes for the shape: i-k-j (a row of B streamed into
     * a row of C) when C's rows are long, i-j-k (a dot product per element) when they are not.
     */
    static void javaLoop(int m, int n, int k, double[] a, double[] b, double[] c) {
        if (n >= 8) {
            for (int i = 0; i < m; i++) {
                int ci = i * n;
                java.util.Arrays.fill(c, ci, ci + n, 0.0);
                for (int p = 0; p < k; p++) {
                    double aip = a[i * k + p];
                    int bp = p * n;
                    for (int j = 0; j < n; j++) {
                        c[ci + j] += aip * b[bp + j];
                    }
                }
            }
            return;
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += a[i * k + p] * b[p * n + j];
                }
                c[i * n + j] = sum;
            }
        }
    }

    /** Sampled elements of C against a plain sum: a wrong product fails the trial. */
    private void check() {
        double[] got = impl.equals("rust-offheap") || impl.equals("openblas") ? cs.toArray(ValueLayout.JAVA_DOUBLE) : c;
        SplittableRandom random = new SplittableRandom(3);
        for (int t = 0; t < 16; t++) {
            int i = random.nextInt(s.m), j = random.nextInt(s.n);
            double want = 0, scale = 0;
            for (int p = 0; p < s.k; p++) {
                want += a[i * s.k + p] * b[p * s.n + j];
                scale += Math.abs(a[i * s.k + p] * b[p * s.n + j]);
            }
            double error = Math.abs(got[i * s.n + j] - want);
            if (error > 1e-12 * Math.max(1, scale)) {
                throw new IllegalStateException(impl + " " + s.dims() + ": C[" + i + "," + j + "] = " + got[i * s.n + j] + ", want " + want);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Matmul.resetThreads();
        arena.close();
    }
}
