package io.github.matmulffm.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The regression guard CI runs after {@code make bench-quick}: reads its results.csv and
 * fails (exit 1) when the kernel through FFM is below 10x java-naive at n = 200 (one thread)
 * or below 0.65x OpenBLAS at n = 512 (at each thread count). The margins are wide because the
 * machine is noisy; the figures are printed either way. The guarded figure is rust-offheap
 * (the kernel through FFM, zero copy), so a noisy copy of the heap path cannot flip it;
 * rust-heap is printed beside it.
 */
public final class Guard {
    static final int SPEEDUP_SIZE = 200;
    static final double MIN_SPEEDUP = 10;
    static final int OPENBLAS_SIZE = 512;
    static final double MIN_OPENBLAS_RATIO = 0.65;

    private Guard() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Guard RESULTS_DIR   (reads results.csv there, written by make bench-quick)");
            System.exit(2);
        }
        Path csv = Path.of(args[0]).resolve("results.csv");
        if (!Files.exists(csv)) {
            System.err.println("guard: " + csv + " is missing; run make bench-quick first");
            System.exit(1);
        }
        List<String> lines = Files.readAllLines(csv);
        List<String> failures = check(lines);
        failures.forEach(failure -> System.out.println("guard: FAILED: " + failure));
        int checks = 1 + (int) lines.stream().filter(line -> line.startsWith("gemm,rust-offheap,f64," + OPENBLAS_SIZE + ",")).count();
        System.out.println("guard: " + Math.max(0, checks - failures.size()) + " passed, " + failures.size() + " failed");
        if (!failures.isEmpty()) {
            System.exit(1);
        }
    }

    /** Prints the guarded figures and returns what failed. */
    static List<String> check(List<String> lines) {
        List<String> header = Arrays.asList(lines.getFirst().split(",", -1));
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.size(); i++) {
                row.put(header.get(i), i < cells.length ? cells[i] : "");
            }
            rows.add(row);
        }
        List<String> failures = new ArrayList<>();

        Optional<Map<String, String>> rust = find(rows, "rust-offheap", SPEEDUP_SIZE, "1");
        Optional<Double> speedup = rust.map(r -> r.get("speedup_vs_java_naive")).filter(s -> !s.isEmpty()).map(Double::valueOf);
        System.out.printf(Locale.ROOT, "guard: n = %d, 1 thread: rust-offheap %s GFLOP/s (rust-heap %s), java-naive %s GFLOP/s,"
                        + " speedup %s (minimum %.0fx)%n",
                SPEEDUP_SIZE, rust.map(r -> r.get("gflops")).orElse("?"),
                find(rows, "rust-heap", SPEEDUP_SIZE, "1").map(r -> r.get("gflops")).orElse("?"),
                find(rows, "java-naive", SPEEDUP_SIZE, "1").map(r -> r.get("gflops")).orElse("?"),
                speedup.map(s -> String.format(Locale.ROOT, "%.1fx", s)).orElse("?"), MIN_SPEEDUP);
        if (speedup.isEmpty()) {
            failures.add("no rust-offheap / java-naive figures at n = " + SPEEDUP_SIZE);
        } else if (speedup.get() < MIN_SPEEDUP) {
            failures.add(String.format(Locale.ROOT, "rust-offheap is %.1fx java-naive at n = %d, below %.0fx",
                    speedup.get(), SPEEDUP_SIZE, MIN_SPEEDUP));
        }

        List<Map<String, String>> atSize = rows.stream().filter(r -> r.get("benchmark").equals("gemm")
                && r.get("impl").equals("rust-offheap") && r.get("precision").equals("f64")
                && r.get("size").equals(Integer.toString(OPENBLAS_SIZE))).toList();
        if (atSize.isEmpty()) {
            failures.add("no rust-offheap figures at n = " + OPENBLAS_SIZE);
        }
        for (Map<String, String> r : atSize) {
            String threads = r.get("threads");
            String ratio = r.get("ratio_to_openblas");
            System.out.printf(Locale.ROOT, "guard: n = %d, %s thread(s): rust-offheap %s GFLOP/s, openblas %s GFLOP/s, ratio %s (minimum %.2fx)%n",
                    OPENBLAS_SIZE, threads, r.get("gflops"),
                    find(rows, "openblas", OPENBLAS_SIZE, threads).map(o -> o.get("gflops")).orElse("?"),
                    ratio.isEmpty() ? "?" : ratio, MIN_OPENBLAS_RATIO);
            if (ratio.isEmpty()) {
                failures.add("no OpenBLAS figure at n = " + OPENBLAS_SIZE + ", " + threads
                        + " thread(s): is libopenblas installed? (.ci/run installs libopenblas-dev)");
            } else if (Double.parseDouble(ratio) < MIN_OPENBLAS_RATIO) {
                failures.add(String.format(Locale.ROOT, "rust-offheap is %sx OpenBLAS at n = %d, %s thread(s), below %.2fx",
                        ratio, OPENBLAS_SIZE, threads, MIN_OPENBLAS_RATIO));
            }
        }
        return failures;
    }

    private static Optional<Map<String, String>> find(List<Map<String, String>> rows, String impl, int size, String threads) {
        return rows.stream().filter(r -> r.get("benchmark").equals("gemm") && r.get("impl").equals(impl)
                && r.get("precision").equals("f64") && r.get("size").equals(Integer.toString(size))
                && r.get("threads").equals(threads)).findFirst();
    }
}
