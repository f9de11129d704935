package io.github.matmulffm.loaders;

import io.github.matmulffm.ProcessStats;

import java.lang.ref.WeakReference;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Child JVM of {@link ClassLoaderTest}: deploys an app (a fresh class loader), runs one
 * n^3 product on double[]s in it, undeploys it, and waits until the loader is collected
 * and its library unmapped. Prints one "redeploy:" line of figures. Args: cycles, n.
 */
public final class RedeployCycles {
    private RedeployCycles() {
    }

    public static void main(String[] args) throws Exception {
        int cycles = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        SplittableRandom random = new SplittableRandom(1);
        double[] a = random.doubles((long) n * n, -1, 1).toArray();
        double[] b = random.doubles((long) n * n, -1, 1).toArray();
        double[] c = new double[n * n];
        long collected = 0;
        long[] rss = new long[cycles];
        for (int cycle = 0; cycle < cycles; cycle++) {
            if (deployRunUndeploy(n, a, b, c)) {
                collected++;
            }
            awaitUnmapped();
            rss[cycle] = ProcessStats.residentKiB();
        }
        StringBuilder trace = new StringBuilder("redeploy-trace: rss_kib");
        for (int cycle = 9; cycle < cycles; cycle += 10) {
            trace.append(' ').append(rss[cycle]);
        }
        System.out.println(trace);
        int warm = Math.min(9, cycles - 1);
        int mid = warm + (cycles - 1 - warm) / 2;
        System.out.println("redeploy: cycles=" + cycles + " collected=" + collected + " warm_cycle=" + warm
                + " rss_warm_kib=" + rss[warm] + " mid_cycle=" + mid + " rss_mid_kib=" + rss[mid]
                + " rss_last_kib=" + rss[cycles - 1] + " mapped_after=" + ProcessStats.mappedLibraries("libmatmul_kernel-")
                + " workers_after=" + workersSettled());
    }

    /**
     * Worker threads still listed by the OS, after up to 5 s for joined ones to be reaped:
     * a join returns before the kernel drops the thread from /proc (longer under qemu-user),
     * while a worker the library forgot would still be there.
     */
    private static long workersSettled() throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        long workers = ProcessStats.workerThreads();
        while (workers > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
            workers = ProcessStats.workerThreads();
        }
        return workers;
    }

    private static boolean deployRunUndeploy(int n, double[] a, double[] b, double[] c) throws InterruptedException {
        IsolatedLoader app = new IsolatedLoader();
        app.dgemm(n, a, b, c);
        WeakReference<ClassLoader> ref = app.drop();
        return IsolatedLoader.awaitCollected(ref, 30);
    }

    /** The cleaner unloads the library shortly after the loader is collected. */
    private static void awaitUnmapped() throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (ProcessStats.mappedLibraries("libmatmul_kernel-") > 0 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(5);
        }
    }

    static Map<String, Long> parse(String line) {
        Map<String, Long> figures = new LinkedHashMap<>();
        for (String pair : line.substring(line.indexOf(':') + 1).trim().split(" ")) {
            String[] kv = pair.split("=");
            figures.put(kv[0], Long.parseLong(kv[1]));
        }
        return figures;
    }
}
