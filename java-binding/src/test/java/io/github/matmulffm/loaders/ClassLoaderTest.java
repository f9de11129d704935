package io.github.matmulffm.loaders;

import io.github.matmulffm.ChildJvm;
import io.github.matmulffm.Matmul;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The binding in several class loaders of one JVM, as application servers, plugin hosts
 * and hot-reloading dev loops use it: each loader gets its own library instance, loaders
 * live side by side, and one that is dropped takes its library, threads and memory with
 * it while the others keep working.
 */
class ClassLoaderTest {
    static final double[][] A = {{1, 2}, {3, 4}};
    static final double[][] B = {{5, 6}, {7, 8}};

    static void assertExact(double[][] c) {
        assertArrayEquals(new double[]{19, 22}, c[0]);
        assertArrayEquals(new double[]{43, 50}, c[1]);
    }

    /** A parallel-sized product (the pool's workers start) checked against the naive loop. */
    static void assertLargeProduct(IsolatedLoader app) {
        int n = 200;
        SplittableRandom random = new SplittableRandom(n);
        double[] a = random.doubles(n * n, -1, 1).toArray();
        double[] b = random.doubles(n * n, -1, 1).toArray();
        double[] c = new double[n * n];
        app.dgemm(n, a, b, c);
        for (int i = 0; i < n; i += 37) {
            for (int j = 0; j < n; j += 41) {
                double sum = 0;
                for (int l = 0; l < n; l++) {
                    sum += a[i * n + l] * b[l * n + j];
                }
                assertEquals(sum, c[i * n + j], 1e-12 * n, "C[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void twoLoadersAtOnceEachHaveTheirOwnInstance() {
        try (IsolatedLoader first = new IsolatedLoader(); IsolatedLoader second = new IsolatedLoader()) {
            assertExact(first.multiply(A, B));
            assertExact(second.multiply(A, B));
            assertNotEquals(first.info("libraryPath"), second.info("libraryPath"));
            assertNotEquals(Matmul.info().libraryPath(), first.info("libraryPath"));
            // Settings are the loader's own: one app's thread count is not another's.
            first.setThreads(1);
            assertEquals(1, first.info("threads"));
            assertEquals(Runtime.getRuntime().availableProcessors(), second.info("threads"));
            assertLargeProduct(first);
            assertLargeProduct(second);
        }
    }

    @Test
    void rollingRedeployThenAFreshLoader() throws Exception {
        IsolatedLoader old = new IsolatedLoader();
        assertLargeProduct(old);
        IsolatedLoader next = new IsolatedLoader();
        assertLargeProduct(next);
        WeakReference<ClassLoader> oldRef = old.drop();
        assertTrue(IsolatedLoader.awaitCollected(oldRef, 30), "the dropped loader is still reachable");
        assertLargeProduct(next);
        assertExact(next.multiply(A, B));
        WeakReference<ClassLoader> nextRef = next.drop();
        assertTrue(IsolatedLoader.awaitCollected(nextRef, 30), "the second loader is still reachable");
        try (IsolatedLoader fresh = new IsolatedLoader()) {
            assertLargeProduct(fresh);
        }
        // The test runner's own instance was never disturbed.
        assertExact(Matmul.multiply(A, B));
    }

    /**
     * A hundred deploy/undeploy cycles of an app that runs one 1000^3 product, in a child
     * JVM: every dropped loader's library is unmapped and its pool threads are gone, and
     * resident memory stops growing (it grew by about 33 MB a cycle at 879cbec).
     * {@code -Dmatmul.redeploy.n} shrinks the product where the CPU is emulated (make
     * test-cross: 1000^3 a hundred times is half an hour under qemu); any n past the
     * kernel's parallel threshold (96^3) starts the pool threads the test is about.
     * {@code -Dmatmul.redeploy.maxGrowthKiB} (1024 by default) bounds the growth per cycle over
     * the second half of the run. Under qemu-user, resident memory counts the emulator's own
     * heap, which grows with every fresh library copy and every loader's freshly compiled code
     * it translates (cross/test-linux-aarch64.sh says by how much). The library and thread
     * counts are exact everywhere.
     */
    @Test
    void redeployedAHundredTimesKeepsNothing() throws Exception {
        String n = String.valueOf(Integer.getInteger("matmul.redeploy.n", 1000));
        long maxGrowthKiB = Long.getLong("matmul.redeploy.maxGrowthKiB", 1024);
        ChildJvm.Result result = ChildJvm.run(RedeployCycles.class, Map.of(), List.of("-Xmx1g"), 600, "100", n);
        assertEquals(0, result.exitCode(), result.output());
        String summary = result.output().lines().filter(l -> l.startsWith("redeploy:")).findFirst().orElseThrow(
                () -> new AssertionError("no summary: " + result.output()));
        Map<String, Long> figures = RedeployCycles.parse(summary);
        assertEquals(0, figures.get("mapped_after"), summary);
        assertEquals(0, figures.get("workers_after"), summary);
        assertEquals(figures.get("cycles"), figures.get("collected"), summary);
        // The second half's slope: a leak grows every cycle alike, while the JIT, metaspace and
        // heap sizing settle in the first few dozen.
        long growthPerCycle = (figures.get("rss_last_kib") - figures.get("rss_mid_kib"))
                / (figures.get("cycles") - 1 - figures.get("mid_cycle"));
        String trace = result.output().lines().filter(l -> l.startsWith("redeploy-trace:")).findFirst().orElse("");
        assertTrue(growthPerCycle < maxGrowthKiB, "resident memory grew by " + growthPerCycle
                + " KiB a cycle in the second half (bound " + maxGrowthKiB + "): " + summary
                + "; every tenth cycle: " + trace);
    }
}
