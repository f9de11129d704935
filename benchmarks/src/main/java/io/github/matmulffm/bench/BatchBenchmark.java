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
 * Many small products of one shape: {@code count} products of n x n x n, as one batch
 * ({@code Matmul.dgemmBatch}), as the same products called one by one ({@code Matmul.dgemm}
 * per product, the loop a user writes without a batch call), and as one square call with
 * the same multiply-adds (n_big = cbrt(count) * n: 128 for n = 8, 256 for n = 32), the
 * GFLOP/s a big call gets. Score: time for all {@code count} products.
 *
 * <pre>java -jar benchmarks.jar BatchBenchmark -p size=8 -p threads=1,2</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms1g"})
public class BatchBenchmark {
    private static final Layout ROW = Layout.ROW_MAJOR;
    private static final Transpose N = Transpose.NO_TRANS;

    /** batch, one-by-one or one-big-call. */
    @Param({"batch", "one-by-one", "one-big-call"})
    public String mode;

    /** offheap (segments of one arena) or heap ({@code double[]}). */
    @Param({"offheap", "heap"})
    public String storage;

    @Param({"8", "32"})
    public int size;

    @Param({"1"})
    public int threads;

    /** Products per batch: 2^21 multiply-adds in all for n = 8, 2^24 for n = 32. */
    int count;
    int bigSize;
    private double[] a;
    private double[] b;
    private double[] c;
    private Arena arena;
    private MemorySegment as;
    private MemorySegment bs;
    private MemorySegment cs;
    /** Each product's matrices as their own slices, made once (the one-by-one loop's operands). */
    private MemorySegment[][] slices;

    /** Products in a batch of n x n x n products: 4096 for n <= 8, else 512. */
    static int products(int n) {
        int side = n <= 8 ? 16 : 8;
        return side * side * side;
    }

    @Setup(Level.Trial)
    public void setUp() {
        count = products(size);
        bigSize = (int) Math.round(Math.cbrt(count)) * size;
        int elements = count * size * size;
        SplittableRandom random = new SplittableRandom(size);
        a = random.doubles(elements, -1, 1).toArray();
        b = random.doubles(elements, -1, 1).toArray();
        c = new double[elements];
        arena = Arena.ofShared();
        as = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, a);
        bs = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, b);
        cs = arena.allocate(ValueLayout.JAVA_DOUBLE, elements);
        long bytes = (long) size * size * Double.BYTES;
        slices = new MemorySegment[count][];
        for (int i = 0; i < count; i++) {
            slices[i] = new MemorySegment[]{as.asSlice(i * bytes, bytes), bs.asSlice(i * bytes, bytes), cs.asSlice(i * bytes, bytes)};
        }
        Matmul.setThreads(threads);
        check();
    }

    /** The batch and the one-by-one loop must give the same bits (they do the same products). */
    private void check() {
        double[] want = new double[c.length];
        for (int i = 0; i < count; i++) {
            int at = i * size * size;
            Matmul.dgemm(ROW, N, N, size, size, size, 1.0, a, at, size, b, at, size, 0.0, want, at, size);
        }
        batch();
        double[] got = storage.equals("heap") ? c : cs.toArray(ValueLayout.JAVA_DOUBLE);
        if (!java.util.Arrays.equals(want, got)) {
            throw new IllegalStateException("the batch differs from its products called one by one");
        }
    }

    @Benchmark
    public Object multiply() {
        switch (mode) {
            case "batch" -> batch();
            case "one-by-one" -> oneByOne();
            case "one-big-call" -> oneBigCall();
            default -> throw new IllegalArgumentException("mode " + mode);
        }
        return storage.equals("heap") ? c : cs;
    }

    private void batch() {
        int stride = size * size;
        if (storage.equals("heap")) {
            Matmul.dgemmBatch(ROW, N, N, size, size, size, 1.0, a, 0, size, stride, b, 0, size, stride, 0.0, c, 0, size, stride, count);
        } else {
            Matmul.dgemmBatch(ROW, N, N, size, size, size, 1.0, as, size, stride, bs, size, stride, 0.0, cs, size, stride, count);
        }
    }

    private void oneByOne() {
        if (storage.equals("heap")) {
            for (int i = 0; i < count; i++) {
                int at = i * size * size;
                Matmul.dgemm(ROW, N, N, size, size, size, 1.0, a, at, size, b, at, size, 0.0, c, at, size);
            }
        } else {
            for (MemorySegment[] x : slices) {
                Matmul.dgemm(ROW, N, N, size, size, size, 1.0, x[0], size, x[1], size, 0.0, x[2], size);
            }
        }
    }

    private void oneBigCall() {
        if (storage.equals("heap")) {
            Matmul.dgemm(ROW, N, N, bigSize, bigSize, bigSize, 1.0, a, 0, bigSize, b, 0, bigSize, 0.0, c, 0, bigSize);
        } else {
            Matmul.dgemm(ROW, N, N, bigSize, bigSize, bigSize, 1.0, as, bigSize, bs, bigSize, 0.0, cs, bigSize);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Matmul.resetThreads();
        arena.close();
    }
}
