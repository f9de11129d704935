package io.github.matmulffm.bench;

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

import java.util.concurrent.TimeUnit;

/**
 * Throughput of C := A * B, square n x n, per implementation, precision and thread count.
 * {@link Suite} picks the combinations (java-naive stops at 1000, the Java loops run on one
 * thread, f32 only where there is one); run alone, the defaults below apply, e.g.
 * {@code java -jar benchmarks.jar GemmBenchmark -p impl=openblas -p size=512 -p threads=1}.
 *
 * <p>Each fork runs one implementation, so its call site stays monomorphic. Inputs, output
 * and thread settings are set up once per trial (and the result checked); the measured
 * method is the product alone, its C returned for JMH to consume.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector", "-Xms1g"})
public class GemmBenchmark {

    /** An {@link Implementation} id: java-naive, java-tuned, ejml, vectorblas, rust-naive, rust-heap, rust-offheap, openblas. */
    @Param({"rust-heap"})
    public String impl;

    /** f64 (DGEMM) or f32 (SGEMM, rust and openblas only). */
    @Param({"f64"})
    public String precision;

    @Param({"200"})
    public int size;

    /** Threads for the native implementations (the kernel's setThreads, openblas_set_num_threads). */
    @Param({"1"})
    public int threads;

    private Gemm gemm;

    @Setup(Level.Trial)
    public void setUp() {
        gemm = Implementation.of(impl).create(precision, size, threads);
        if (impl.equals("openblas")) {
            System.out.println("OpenBLAS core: " + OpenBlas.corename() + ", threads: " + OpenBlas.threads());
        }
    }

    @Benchmark
    public Object multiply() {
        return gemm.multiply();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gemm.close();
    }
}
