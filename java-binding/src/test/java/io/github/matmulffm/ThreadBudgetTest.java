package io.github.matmulffm;

import io.github.matmulffm.parity.SplitMix64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.github.matmulffm.Layout.ROW_MAJOR;
import static io.github.matmulffm.Transpose.NO_TRANS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Matmul#withThreads}: callers with a thread budget share the kernel's slots, so
 * however many there are, no more threads than the setting run the kernel at once.
 */
class ThreadBudgetTest {
    private static final int N = 256;

    @AfterEach
    void restoreThreads() {
        Matmul.resetThreads();
    }

    private static double[] random(long seed) {
        SplitMix64 rng = new SplitMix64(seed);
        double[] x = new double[N * N];
        for (int i = 0; i < x.length; i++) {
            x[i] = rng.unit();
        }
        return x;
    }

    private static double[] multiply(double[] a, double[] b) {
        double[] c = new double[N * N];
        Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, N, N, N, 1.0, a, N, b, N, 0.0, c, N);
        return c;
    }

    /**
     * {@code callers} threads started together, each multiplying {@code rounds} times
     * inside {@code withThreads(budget)} (or with no budget when it is 0); every result is
     * checked against the single-threaded one. Returns the peak of kernel threads.
     */
    private static int peakOf(int callers, int rounds, int budget, boolean virtualThreads) throws Exception {
        double[][] a = {random(1), random(2), random(3)};
        double[][] b = {random(4), random(5), random(6)};
        double[][] expected = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            int problem = i;
            expected[i] = Matmul.withThreads(1, () -> multiply(a[problem], b[problem]));
        }
        CyclicBarrier start = new CyclicBarrier(callers);
        Matmul.peakKernelThreads(true);
        try (ExecutorService pool = virtualThreads ? Executors.newVirtualThreadPerTaskExecutor()
                : Executors.newFixedThreadPool(callers)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < callers; t++) {
                int caller = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int r = 0; r < rounds; r++) {
                        int i = (caller + r) % a.length;
                        double[] c = budget == 0 ? multiply(a[i], b[i])
                                : Matmul.withThreads(budget, () -> multiply(a[i], b[i]));
                        assertArrayEquals(expected[i], c, "caller " + caller + " round " + r);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        return Matmul.peakKernelThreads(true);
    }

    @Test
    void eightCallersWithBudgetOneNeverExceedTheTwoThreadPool() throws Exception {
        Matmul.setThreads(2);
        int peak = peakOf(8, 6, 1, false);
        assertTrue(peak >= 1 && peak <= 2, "8 callers with budget 1 on 2 threads: " + peak + " ran the kernel at once");
        assertTrue(Matmul.info().poolThreads() <= 1, "the pool grew: " + Matmul.info());
    }

    @Test
    void virtualThreadsKeepTheirBudgetAcrossCarriers() throws Exception {
        Matmul.setThreads(2);
        int peak = peakOf(16, 4, 1, true);
        assertTrue(peak >= 1 && peak <= 2, "16 virtual threads with budget 1: " + peak + " at once");
    }

    /** The check above can fail: without budgets, callers that find the pool busy compute alone side by side. */
    @Test
    void withoutBudgetsCallersComputeSideBySide() throws Exception {
        Matmul.setThreads(2);
        int peak = peakOf(8, 6, 0, false);
        assertTrue(peak > 2, "8 unbudgeted callers were expected to exceed 2 kernel threads, saw " + peak);
    }

    @Test
    void theBudgetIsScopedAndNestedBudgetsOnlyNarrow() {
        assertEquals(OptionalInt.empty(), Matmul.threadBudget());
        Matmul.withThreads(4, () -> {
            assertEquals(OptionalInt.of(4), Matmul.threadBudget());
            Matmul.withThreads(2, () -> assertEquals(OptionalInt.of(2), Matmul.threadBudget()));
            Matmul.withThreads(8, () -> assertEquals(OptionalInt.of(4), Matmul.threadBudget()));
            assertEquals(OptionalInt.of(4), Matmul.threadBudget());
        });
        assertEquals(OptionalInt.empty(), Matmul.threadBudget());
        String result = Matmul.withThreads(3, () -> "r" + Matmul.threadBudget().getAsInt());
        assertEquals("r3", result);
    }

    @Test
    void anExceptionLeavesTheScope() {
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> Matmul.withThreads(1, (Runnable) () -> {
                    throw new IllegalStateException("from the body");
                }));
        assertEquals("from the body", thrown.getMessage());
        assertEquals(OptionalInt.empty(), Matmul.threadBudget());
    }

    @Test
    void aBudgetAboveTheSettingGivesTheSameResultAndNoMoreWorkers() {
        Matmul.setThreads(2);
        double[] a = random(7), b = random(8);
        double[] wide = Matmul.withThreads(1024, () -> multiply(a, b));
        double[] one = Matmul.withThreads(1, () -> multiply(a, b));
        assertArrayEquals(one, wide);
        assertTrue(Matmul.info().poolThreads() <= 1, "a budget of 1024 grew the pool: " + Matmul.info());
    }

    @Test
    void badBudgetsAreRefused() {
        for (int bad : new int[] {0, -1, 1025, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class,
                    () -> Matmul.withThreads(bad, () -> 1));
            assertTrue(thrown.getMessage().contains("threads must be between 1 and 1024, but was " + bad),
                    thrown.getMessage());
        }
        assertThrows(NullPointerException.class, () -> Matmul.withThreads(1, (Runnable) null));
        assertThrows(NullPointerException.class, () -> Matmul.withThreads(1, (java.util.function.Supplier<Object>) null));
    }
}
