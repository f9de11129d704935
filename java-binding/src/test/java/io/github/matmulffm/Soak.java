package io.github.matmulffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The concurrency soak, run by {@link SoakTest} in a JVM of its own: 16 threads multiply
 * mixed sizes (tiny critical calls to copied and threaded ones), f64 and f32, on heap
 * arrays, off-heap segments and per-call arenas, while the kernel's thread count is
 * changed under them. Every result is checked; the run ends after its duration and at
 * least {@link #MIN_CALLS} calls, and fails if resident memory grew past
 * {@link #RSS_BOUND_MIB} from where it stood after the warm-up round.
 *
 * <p>Prints one summary line starting "soak:"; exits 0 on success, 1 on a wrong result or
 * a memory leak, 2 if the workers do not finish (a deadlock).
 */
public final class Soak {
    static final int THREADS = 16;
    static final long MIN_CALLS = 100_000;
    static final long RSS_BOUND_MIB = 64;

    private Soak() {
    }

    /** Where a problem's operands live for a call. */
    enum Storage { ARRAY, OFF_HEAP, PER_CALL_ARENA }

    /** One product with its precomputed expected C and per-element tolerance. */
    record Problem(boolean f32, Layout layout, Transpose ta, Transpose tb, int m, int n, int k, double alpha, double beta,
                   int lda, int ldb, int ldc, double[] a, double[] b, double[] c0, double[] expected, double[] tolerance) {

        static Problem of(boolean f32, Layout layout, Transpose ta, Transpose tb, int m, int n, int k, double alpha,
                          double beta, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            int lda = Reference.ld(layout, ta, m, k, 1), ldb = Reference.ld(layout, tb, k, n, 2);
            int ldc = Reference.ld(layout, Transpose.NO_TRANS, m, n, 1);
            double[] a = round(f32, Reference.random(random, Reference.reach(layout, ta, m, k, lda)));
            double[] b = round(f32, Reference.random(random, Reference.reach(layout, tb, k, n, ldb)));
            double[] c0 = round(f32, Reference.random(random, Reference.reach(layout, Transpose.NO_TRANS, m, n, ldc)));
            double[] expected = c0.clone();
            double[] tolerance = new double[c0.length];
            double eps = f32 ? Math.ulp(1.0f) : Math.ulp(1.0);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ci = (int) Reference.index(layout, i, j, ldc);
                    double sum = 0, magnitude = 0;
                    for (int p = 0; p < k; p++) {
                        double x = a[(int) Reference.opIndex(layout, ta, i, p, lda)] * b[(int) Reference.opIndex(layout, tb, p, j, ldb)];
                        sum += x;
                        magnitude += Math.abs(x);
                    }
                    expected[ci] = alpha * sum + beta * c0[ci];
                    tolerance[ci] = 16 * (k + 2) * eps * (Math.abs(alpha) * magnitude + Math.abs(beta * c0[ci]));
                }
            }
            return new Problem(f32, layout, ta, tb, m, n, k, alpha, beta, lda, ldb, ldc, a, b, c0, expected, tolerance);
        }

        private static double[] round(boolean f32, double[] values) {
            if (f32) {
                for (int i = 0; i < values.length; i++) values[i] = (float) values[i];
            }
            return values;
        }

        /** Null if {@code c} is right: the window within tolerance, padding as it was. */
        String check(double[] c) {
            for (int i = 0; i < c.length; i++) {
                if (!(Math.abs(c[i] - expected[i]) <= tolerance[i])) {
                    return this + ": c[" + i + "] = " + c[i] + ", expected " + expected[i] + " +- " + tolerance[i];
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return (f32 ? "sgemm " : "dgemm ") + layout + " " + ta + " " + tb + " " + m + "x" + n + "x" + k;
        }
    }

    static List<Problem> problems() {
        int[][] shapes = {{1, 1, 1}, {3, 5, 2}, {8, 8, 8}, {17, 9, 33}, {33, 31, 7}, {64, 48, 64}, {100, 100, 100}, {150, 140, 130}};
        List<Problem> problems = new ArrayList<>();
        int v = 0;
        for (int[] s : shapes) {
            for (boolean f32 : new boolean[]{false, true}) {
                problems.add(Problem.of(f32, v % 2 == 0 ? Layout.ROW_MAJOR : Layout.COL_MAJOR,
                        Transpose.values()[v / 2 % 2], Transpose.values()[v / 4 % 2], s[0], s[1], s[2],
                        v % 3 == 0 ? 1.0 : -1.5, v % 2 == 0 ? 0.0 : 0.7, v));
                v++;
            }
        }
        return problems;
    }

    /** A thread's own buffers for one problem (C is never shared between threads). */
    static final class Buffers {
        final double[] c;
        final float[] af, bf, cf;
        final MemorySegment as, bs, cs;

        Buffers(Problem p, Arena arena) {
            c = p.c0.clone();
            ValueLayout e = p.f32 ? ValueLayout.JAVA_FLOAT : ValueLayout.JAVA_DOUBLE;
            af = p.f32 ? toFloat(p.a) : null;
            bf = p.f32 ? toFloat(p.b) : null;
            cf = p.f32 ? toFloat(p.c0) : null;
            as = allocate(arena, e, p.a, af);
            bs = allocate(arena, e, p.b, bf);
            cs = allocate(arena, e, p.c0, cf);
        }

        private static MemorySegment allocate(Arena arena, ValueLayout e, double[] d, float[] f) {
            return f != null ? arena.allocateFrom(ValueLayout.JAVA_FLOAT, f) : arena.allocateFrom(ValueLayout.JAVA_DOUBLE, d);
        }
    }

    static float[] toFloat(double[] values) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) result[i] = (float) values[i];
        return result;
    }

    /** One call of problem {@code p} through {@code storage}; returns C for checking. */
    static double[] call(Problem p, Buffers x, Storage storage) {
        switch (storage) {
            case ARRAY -> {
                if (p.f32) {
                    for (int i = 0; i < x.cf.length; i++) x.cf[i] = (float) p.c0[i];
                    Matmul.sgemm(p.layout, p.ta, p.tb, p.m, p.n, p.k, (float) p.alpha, x.af, p.lda, x.bf, p.ldb, (float) p.beta, x.cf, p.ldc);
                    for (int i = 0; i < x.cf.length; i++) x.c[i] = x.cf[i];
                } else {
                    System.arraycopy(p.c0, 0, x.c, 0, x.c.length);
                    Matmul.dgemm(p.layout, p.ta, p.tb, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, x.c, p.ldc);
                }
                return x.c;
            }
            case OFF_HEAP -> {
                return segments(p, x.as, x.bs, x.cs, x.c);
            }
            default -> {
                // A fresh arena per call: native memory that must come back every time.
                try (Arena arena = Arena.ofConfined()) {
                    Buffers fresh = new Buffers(p, arena);
                    return segments(p, fresh.as, fresh.bs, fresh.cs, fresh.c);
                }
            }
        }
    }

    private static double[] segments(Problem p, MemorySegment as, MemorySegment bs, MemorySegment cs, double[] c) {
        if (p.f32) {
            for (int i = 0; i < p.c0.length; i++) cs.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) p.c0[i]);
            Matmul.sgemm(p.layout, p.ta, p.tb, p.m, p.n, p.k, (float) p.alpha, as, p.lda, bs, p.ldb, (float) p.beta, cs, p.ldc);
            for (int i = 0; i < c.length; i++) c[i] = cs.getAtIndex(ValueLayout.JAVA_FLOAT, i);
        } else {
            MemorySegment.copy(p.c0, 0, cs, ValueLayout.JAVA_DOUBLE, 0, p.c0.length);
            Matmul.dgemm(p.layout, p.ta, p.tb, p.m, p.n, p.k, p.alpha, as, p.lda, bs, p.ldb, p.beta, cs, p.ldc);
            MemorySegment.copy(cs, ValueLayout.JAVA_DOUBLE, 0, c, 0, c.length);
        }
        return c;
    }

    public static void main(String[] args) throws Exception {
        long seconds = Long.parseLong(args.length > 0 ? args[0] : "10");
        List<Problem> problems = problems();
        String kernel = Matmul.info().kernel();
        LongAdder calls = new LongAdder();
        LongAdder[] byStorage = {new LongAdder(), new LongAdder(), new LongAdder()};
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong rssAt100k = new AtomicLong(-1);
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        CyclicBarrier warmedUp = new CyclicBarrier(THREADS + 1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            workers.add(Thread.ofPlatform().name("soak-" + t).start(() -> {
                SplittableRandom random = new SplittableRandom(id);
                try (Arena arena = Arena.ofConfined()) {
                    Buffers[] buffers = problems.stream().map(p -> new Buffers(p, arena)).toArray(Buffers[]::new);
                    // Warm-up: every problem through every storage once, before memory is measured.
                    for (int i = 0; i < problems.size(); i++) {
                        for (Storage s : Storage.values()) {
                            String failure = problems.get(i).check(call(problems.get(i), buffers[i], s));
                            if (failure != null) failures.add(failure);
                        }
                    }
                    warmedUp.await();
                    while (!stop.get() && failures.isEmpty()) {
                        // Mostly small products, like a real mix: a large one every ~50 calls.
                        int i = random.nextInt(100) < 98 ? random.nextInt(problems.size() - 4) : problems.size() - 4 + random.nextInt(4);
                        Storage s = Storage.values()[random.nextInt(3)];
                        String failure = problems.get(i).check(call(problems.get(i), buffers[i], s));
                        if (failure != null) failures.add(s + " " + failure);
                        calls.increment();
                        byStorage[s.ordinal()].increment();
                    }
                } catch (Throwable e) {
                    failures.add(Thread.currentThread().getName() + ": " + e);
                }
            }));
        }
        warmedUp.await(120, TimeUnit.SECONDS);
        long rssStart = ProcessStats.residentKiB();
        long start = System.nanoTime();
        boolean changed = false;
        while (failures.isEmpty()) {
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (rssAt100k.get() < 0 && calls.sum() >= MIN_CALLS) {
                rssAt100k.set(ProcessStats.residentKiB());
            }
            if (!changed && elapsed >= seconds / 2.0) {
                // Midway, under load: one kernel thread, then back to the default.
                Matmul.setThreads(1);
                Thread.sleep(Math.max(100, seconds * 100));
                Matmul.setThreads(3);
                Thread.sleep(Math.max(100, seconds * 50));
                Matmul.resetThreads();
                changed = true;
            }
            if (elapsed >= seconds && calls.sum() >= MIN_CALLS) {
                break;
            }
            Thread.sleep(20);
        }
        stop.set(true);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (Thread worker : workers) {
            worker.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (worker.isAlive()) {
                System.out.println("soak: worker " + worker.getName() + " did not stop: deadlock?");
                Thread.getAllStackTraces().forEach((thread, stack) -> {
                    System.out.println("\"" + thread.getName() + "\" " + thread.getState());
                    for (StackTraceElement frame : stack) System.out.println("    at " + frame);
                });
                System.exit(2);
            }
        }
        long rssEnd = ProcessStats.residentKiB();
        double elapsed = (System.nanoTime() - start) / 1e9;
        long growthMib = rssStart < 0 ? 0 : (rssEnd - rssStart) / 1024;
        System.out.printf("soak: kernel=%s threads=%d calls=%d (array %d, off-heap %d, per-call arena %d) in %.1f s, "
                        + "failures=%d, rss start=%d MiB after-100k=%d MiB end=%d MiB growth=%d MiB (bound %d)%n",
                kernel, THREADS, calls.sum(), byStorage[0].sum(), byStorage[1].sum(), byStorage[2].sum(), elapsed,
                failures.size(), rssStart / 1024, rssAt100k.get() / 1024, rssEnd / 1024, growthMib, RSS_BOUND_MIB);
        failures.stream().limit(10).forEach(f -> System.out.println("soak: FAILED " + f));
        boolean leak = growthMib > RSS_BOUND_MIB;
        if (leak) {
            System.out.println("soak: FAILED resident memory grew by " + growthMib + " MiB");
        }
        System.exit(failures.isEmpty() && !leak ? 0 : 1);
    }
}
