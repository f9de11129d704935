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
 * Small products, n = 2 to 64, on one thread: the time of one call as a Java caller sees
 * it, argument checks and the FFM transition included. rust-heap passes the Java arrays in
 * place (a critical downcall), rust-offheap passes off-heap segments, java-tuned is the
 * pure-Java loop, openblas the native peer. The question it answers: from which n does
 * the native call pay?
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector"})
public class LatencyBenchmark {

    /** java-tuned, rust-heap, rust-offheap or openblas. */
    @Param({"rust-heap"})
    public String impl;

    @Param({"2", "4", "8", "16", "32", "64"})
    public int size;

    private Gemm gemm;

    @Setup(Level.Trial)
    public void setUp() {
        gemm = Implementation.of(impl).create("f64", size, 1);
    }

    @Benchmark
    public Object call() {
        return gemm.multiply();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gemm.close();
    }
}
