package io.github.matmulffm.bench;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Matmul;
import io.github.matmulffm.Transpose;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The pure-Java i-j-k loop against the Rust kernel through FFM, on the same random
 * square matrices. Each method returns its product so JMH consumes it (no dead code).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MatmulBenchmark {

    @Param({"10", "100", "500"})
    int size;

    double[][] a2d;
    double[][] b2d;
    double[] a;
    double[] b;
    double[] c;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(42);
        a2d = new double[size][size];
        b2d = new double[size][size];
        a = new double[size * size];
        b = new double[size * size];
        c = new double[size * size];
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < size; j++) {
                a2d[i][j] = a[i * size + j] = random.nextDouble(-1, 1);
                b2d[i][j] = b[i * size + j] = random.nextDouble(-1, 1);
            }
        }
    }

    @Benchmark
    public double[][] javaNaive() {
        int n = size;
        double[][] result = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < n; p++) {
                    sum += a2d[i][p] * b2d[p][j];
                }
                result[i][j] = sum;
            }
        }
        return result;
    }

    @Benchmark
    public double[] rustFfm() {
        Matmul.dgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, size, size, size,
                1.0, a, size, b, size, 0.0, c, size);
        return c;
    }
}
