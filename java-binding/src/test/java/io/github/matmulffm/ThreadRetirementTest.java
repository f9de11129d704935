package io.github.matmulffm;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel's pool keeps no threads above the setting: at 879cbec, setThreads(1024) and
 * one large call left 1024 OS threads for the life of the process, through setThreads(1)
 * and resetThreads() too.
 */
class ThreadRetirementTest {

    static void largeCall() {
        int n = 900;
        double[] a = new SplittableRandom(1).doubles(n * n, -1, 1).toArray();
        double[] c = new double[n * n];
        Matmul.dgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, n, n, n, 1.0, a, n, a, n, 0.0, c, n);
    }

    @Test
    void threadsAboveTheSettingAreRetired() {
        try {
            Matmul.setThreads(1024);
            largeCall();
            int many = Matmul.info().poolThreads();
            assertTrue(many > 64, "a 900^3 product with 1024 threads should start many workers, started " + many);
            Matmul.setThreads(8);
            assertTrue(Matmul.info().poolThreads() <= 7, Matmul.info().toString());
            Matmul.setThreads(1);
            assertEquals(0, Matmul.info().poolThreads());
            largeCall();
            assertEquals(0, Matmul.info().poolThreads(), "one thread means no workers");
            Matmul.setThreads(1024);
            largeCall();
            Matmul.resetThreads();
            assertTrue(Matmul.info().poolThreads() <= Runtime.getRuntime().availableProcessors() - 1, Matmul.info().toString());
        } finally {
            Matmul.resetThreads();
        }
    }
}
