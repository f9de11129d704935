package io.github.matmulffm.bench;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Matmul;
import io.github.matmulffm.Transpose;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long heap-array calls can hold the JVM away from a safepoint: one thread calls
 * {@code Matmul.dgemm} on {@code double[]}s in a loop while another allocates, so the
 * collector keeps asking for safepoints; the JVM logs each one ({@code -Xlog:safepoint})
 * and the worst "Reaching safepoint" time is the longest a critical downcall held them
 * all up. One child JVM per collector and case. Run by {@code make safepoints}.
 *
 * <p>Usage: {@code SafepointProbe [seconds]} (the parent), or
 * {@code SafepointProbe --child <case> <seconds>} (what the parent starts).
 */
public final class SafepointProbe {
    /** The shapes of issue 8, item 5, the largest critical calls of either kind, and no calls as the floor. */
    enum Case {
        K0_8000("8000 x 8000 x 0 (C := beta C)", 8000, 8000, 0, 1.0, 0.5),
        ALPHA0_8000("8000 x 8000 x 1, alpha = 0", 8000, 8000, 1, 0.0, 0.5),
        DOT_262144("1 x 1 x 262144 (dot product)", 1, 1, 262144, 1.0, 0.0),
        OUTER_262144("262144 x 1 x 1 (outer product)", 262144, 1, 1, 1.0, 0.0),
        SQUARE_64("64 x 64 x 64 (a small critical call)", 64, 64, 64, 1.0, 0.0),
        SQUARE_128("128 x 128 x 128 (a critical call on the kernel's threads)", 128, 128, 128, 1.0, 0.0),
        PANEL_4000("4000 x 8 x 1000 (a panel: bands on the kernel's threads)", 4000, 8, 1000, 1.0, 0.0),
        MATVEC_4000("4000 x 1 x 4000 (matrix x vector: critical bands, f64's would need 7 MB to reach the pool)", 4000, 1, 4000, 1.0, 0.0),
        OUTER_2000("2000 x 2000 x 1 (an outer product: critical bands, likewise)", 2000, 2000, 1, 1.0, 0.0),
        BATCH_8("a batch of 4096 8 x 8 x 8 (an in-place run on the kernel's threads)", 8, 8, 8, 1.0, 0.0, 4096),
        NO_CALLS("no calls: the allocating thread alone (the floor)", 0, 0, 0, 1.0, 0.0);

        final String label;
        final int m, n, k;
        final double alpha, beta;
        /** Products per call: above 1, one strided batch ({@code Matmul.dgemmBatch}). */
        final int count;

        Case(String label, int m, int n, int k, double alpha, double beta) {
            this(label, m, n, k, alpha, beta, 1);
        }

        Case(String label, int m, int n, int k, double alpha, double beta, int count) {
            this.label = label;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.beta = beta;
            this.count = count;
        }
    }

    private static final Pattern REACHING = Pattern.compile("^\\[(\\d+)ms\\].*Reaching safepoint: (\\d+) ns");

    private SafepointProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            child(Case.valueOf(args[1]), Double.parseDouble(args[2]));
            return;
        }
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        System.out.printf(Locale.ROOT, "| case | G1: worst / median time to safepoint | ZGC: worst / median | calls (G1) |%n|---|---|---|---|%n");
        for (Case c : Case.values()) {
            String[] g1 = run(c, "-XX:+UseG1GC", seconds);
            String[] zgc = run(c, "-XX:+UseZGC", seconds);
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", c.label, g1[0], zgc[0], g1[1]);
        }
    }

    /** Starts one child JVM; returns "worst / median" of its safepoints and its call count. */
    private static String[] run(Case c, String gc, double seconds) throws IOException, InterruptedException {
        Path log = Files.createTempFile("safepoints", ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", gc, "-Xmx3g", "-Xlog:safepoint=info:file=" + log + ":uptimemillis",
                "-cp", System.getProperty("java.class.path"), SafepointProbe.class.getName(), "--child", c.name(),
                Double.toString(seconds)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException(c + " " + gc + " failed:\n" + output);
        }
        // Only the safepoints while the calls run: setting up (a 512 MB array) has pauses of its own.
        long loopStart = Long.parseLong(output.lines().filter(l -> l.startsWith("loop_start_ms="))
                .findFirst().orElseThrow().substring("loop_start_ms=".length()));
        List<Long> reaching = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            Matcher matcher = REACHING.matcher(line);
            if (matcher.find() && Long.parseLong(matcher.group(1)) >= loopStart) {
                reaching.add(Long.parseLong(matcher.group(2)));
            }
        }
        Files.deleteIfExists(log);
        reaching.sort(null);
        String calls = output.lines().filter(l -> l.startsWith("calls=")).findFirst().orElse("calls=?").substring(6);
        if (reaching.isEmpty()) {
            return new String[]{"no safepoint", calls};
        }
        long worst = reaching.getLast();
        long median = reaching.get(reaching.size() / 2);
        return new String[]{millis(worst) + " / " + millis(median) + " (" + reaching.size() + " safepoints)", calls};
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, nanos >= 1_000_000 ? "%.1f ms" : "%.3f ms", nanos / 1e6);
    }

    /** The calling thread and an allocating thread, for {@code seconds}. */
    private static void child(Case c, double seconds) throws InterruptedException {
        int strideA = c.m * c.k, strideB = c.k * c.n, strideC = c.m * c.n;
        double[] a = new double[Math.max(1, c.count * c.m * Math.max(1, c.k))];
        double[] b = new double[Math.max(1, c.count * c.k * c.n)];
        double[] out = new double[c.count * c.m * c.n];
        java.util.Arrays.fill(a, 0.5);
        java.util.Arrays.fill(b, 0.25);
        System.out.println("loop_start_ms=" + java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime());
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        Thread allocator = Thread.ofPlatform().daemon().start(() -> {
            long sink = 0;
            while (!Thread.currentThread().isInterrupted()) {
                byte[] garbage = new byte[64 << 10];
                sink += garbage.length;
            }
            System.out.println("allocated " + sink);
        });
        long calls = 0;
        int lda = Math.max(1, c.k);
        while (System.nanoTime() < deadline) {
            if (c == Case.NO_CALLS) {
                Thread.sleep(1);
                continue;
            }
            if (c.count > 1) {
                Matmul.dgemmBatch(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, c.m, c.n, c.k, c.alpha, a, 0, lda,
                        strideA, b, 0, c.n, strideB, c.beta, out, 0, c.n, strideC, c.count);
            } else {
                Matmul.dgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, c.m, c.n, c.k, c.alpha, a, lda, b,
                        Math.max(1, c.n), c.beta, out, Math.max(1, c.n));
            }
            calls++;
        }
        allocator.interrupt();
        System.out.println("calls=" + calls);
    }
}
