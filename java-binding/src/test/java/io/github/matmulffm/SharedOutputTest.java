package io.github.matmulffm;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Threads that split one product by giving each a disjoint block of one shared C (the
 * usual way to parallelise over threads): each call must write its m x n window and
 * nothing between its rows or columns, or the threads overwrite each other's results.
 * At 879cbec the staged heap path copied C's whole span back and lost writes in about
 * half the rounds at n = 400.
 */
class SharedOutputTest {
    static final int ROUNDS = 20;

    enum Storage { ARRAY, HEAP_SEGMENT }

    @ParameterizedTest(name = "{0} {1} n={2} {3} threads")
    @CsvSource({
            "ARRAY, ROW_MAJOR, 400, 2", "HEAP_SEGMENT, ROW_MAJOR, 400, 2",
            "ARRAY, COL_MAJOR, 400, 2", "HEAP_SEGMENT, COL_MAJOR, 400, 2",
            "ARRAY, ROW_MAJOR, 150, 3", "ARRAY, ROW_MAJOR, 24, 4"})
    void disjointBlocksOfOneSharedC(Storage storage, Layout layout, int n, int threads) throws Exception {
        SplittableRandom random = new SplittableRandom(n * 31L + threads);
        double[] a = random.doubles((long) n * n, -1, 1).toArray();
        double[] b = random.doubles((long) n * n, -1, 1).toArray();
        double[] expected = new double[n * n];
        Matmul.dgemm(layout, Transpose.NO_TRANS, Transpose.NO_TRANS, n, n, n, 1.0, a, n, b, n, 0.0, expected, n);
        int wrongRounds = 0;
        for (int round = 0; round < ROUNDS; round++) {
            double[] c = new double[n * n];
            Arrays.fill(c, Double.NaN);
            CyclicBarrier start = new CyclicBarrier(threads);
            Thread[] workers = new Thread[threads];
            Throwable[] failure = new Throwable[1];
            for (int t = 0; t < threads; t++) {
                int from = n * t / threads, to = n * (t + 1) / threads;
                workers[t] = Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        block(storage, layout, n, from, to, a, b, c);
                    } catch (Throwable e) {
                        failure[0] = e;
                    }
                });
            }
            for (Thread worker : workers) {
                worker.join();
            }
            if (failure[0] != null) {
                throw new AssertionError(failure[0]);
            }
            if (!Arrays.equals(expected, c)) {
                wrongRounds++;
            }
        }
        assertEquals(0, wrongRounds, "rounds with a wrong element, of " + ROUNDS);
    }

    /**
     * The block of C's columns [from, to) in row-major, or of its rows [from, to) in
     * column-major: in both, the lines of C (length n, ldc = n) are shared by every thread.
     */
    static void block(Storage storage, Layout layout, int n, int from, int to, double[] a, double[] b, double[] c) {
        int width = to - from;
        boolean rowMajor = layout == Layout.ROW_MAJOR;
        // Row-major C[:, from:to] = A * B[:, from:to]; column-major C[from:to, :] = A[from:to, :] * B.
        int m = rowMajor ? n : width;
        int cols = rowMajor ? width : n;
        int aOffset = rowMajor ? 0 : from;
        int bOffset = rowMajor ? from : 0;
        int cOffset = from;
        if (storage == Storage.ARRAY) {
            Matmul.dgemm(layout, Transpose.NO_TRANS, Transpose.NO_TRANS, m, cols, n, 1.0, a, aOffset, n, b, bOffset, n,
                    0.0, c, cOffset, n);
        } else {
            MemorySegment as = MemorySegment.ofArray(a).asSlice(aOffset * 8L);
            MemorySegment bs = MemorySegment.ofArray(b).asSlice(bOffset * 8L);
            MemorySegment cs = MemorySegment.ofArray(c).asSlice(cOffset * 8L);
            Matmul.dgemm(layout, Transpose.NO_TRANS, Transpose.NO_TRANS, m, cols, n, 1.0, as, n, bs, n, 0.0, cs, n);
        }
    }
}
