package io.github.matmulffm.bench;

import io.github.matmulffm.bench.Results.Row;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

import static io.github.matmulffm.bench.Results.BATCH;
import static io.github.matmulffm.bench.Results.GEMM;
import static io.github.matmulffm.bench.Results.LATENCY;
import static io.github.matmulffm.bench.Results.THIN;

/**
 * {@code results.md}: what a reader compares. The run's header, then a table per question:
 * DGEMM at each thread count, SGEMM against OpenBLAS, small sizes from Java, batches, and
 * thin shapes against the memory roof.
 */
final class MarkdownTables {

    private final Results results;

    private MarkdownTables(Results results) {
        this.results = results;
    }

    static String of(Results results) {
        return new MarkdownTables(results).markdown();
    }

    private String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# matmul-ffm benchmark (").append(results.env("mode")).append(" run)\n\n");
        md.append("| | |\n|---|---|\n");
        header(md, "measured", results.env("date") + ", commit `" + results.env("commit") + "`");
        header(md, "command", "`" + results.env("command") + "`");
        header(md, "machine", results.env("cpu") + ", " + results.env("cores") + " cores, " + results.env("os"));
        header(md, "JDK", results.env("jdk"));
        header(md, "kernel", results.env("kernel"));
        header(md, "OpenBLAS", results.env("openblas"));
        header(md, "OpenBLAS core", results.env("openblas_core") + " (OPENBLAS_CORETYPE=" + results.env("openblas_coretype_env") + ")");
        header(md, "threads", results.envJson("threads"));
        header(md, "JMH", results.env("jmh") + "; throughput: " + results.env("gemm_timing") + "; latency: " + results.env("latency_timing")
                + "; median of the measured iterations");
        md.append("\nTimes are per multiply, C = A * B, square n x n, row-major, random data in [-1, 1); "
                + "GFLOP/s = 2n³ / time. rust-heap is `Matmul.dgemm(double[] ...)` (a critical call on the "
                + "arrays when the product is small, a copy off-heap above the binding's threshold), rust-offheap is "
                + "`Matmul.dgemm(MemorySegment ...)` (zero copy), openblas is `cblas_dgemm` through FFM on "
                + "off-heap segments. java-naive and rust-naive stop at n = ").append(results.env("naive_max_size"))
                .append(" to keep the run bounded (seconds per multiply beyond). Full figures: `results.csv`.\n");

        List<Integer> threadCounts = results.threadCounts(GEMM);
        for (int threads : threadCounts) {
            dgemmTable(md, threads);
        }
        sgemmTable(md, threadCounts);
        latencyTable(md);
        batchTable(md);
        thinTable(md);
        return md.toString();
    }

    private void dgemmTable(StringBuilder md, int threads) {
        List<String> impls = Results.impls(results.of(GEMM).filter(r -> r.precision().equals("f64") && r.threads() == threads));
        if (impls.isEmpty()) {
            return;
        }
        md.append("\n## DGEMM (f64), ").append(threads == 1 ? "1 thread" : threads + " threads")
                .append(": time per multiply (GFLOP/s)\n\n");
        if (threads != 1) {
            md.append("The Java implementations run on one thread; their figures are in the table above.\n\n");
        }
        md.append("| n |");
        impls.forEach(impl -> md.append(' ').append(impl).append(" |"));
        md.append(" rust-heap vs java-naive | rust-offheap vs openblas |\n|---:|");
        md.append("---:|".repeat(impls.size() + 2)).append('\n');
        for (int size : results.sizes(GEMM, "f64")) {
            md.append("| ").append(size).append(" |");
            for (String impl : impls) {
                md.append(' ').append(results.row(GEMM, impl, "f64", size, threads).map(MarkdownTables::cell).orElse("")).append(" |");
            }
            md.append(' ').append(results.row(GEMM, "rust-heap", "f64", size, threads).flatMap(results::speedupOverJavaNaive)
                    .map(MarkdownTables::ratio).orElse("")).append(" |");
            md.append(' ').append(results.row(GEMM, "rust-offheap", "f64", size, threads).flatMap(results::ratioToOpenBlas)
                    .map(MarkdownTables::ratio).orElse("")).append(" |\n");
        }
    }

    private void sgemmTable(StringBuilder md, List<Integer> threadCounts) {
        TreeSet<Integer> sizes = results.sizes(GEMM, "f32");
        if (sizes.isEmpty()) {
            return;
        }
        md.append("\n## SGEMM (f32), rust-offheap against openblas: time per multiply (GFLOP/s)\n\n| n |");
        for (int threads : threadCounts) {
            md.append(" rust ").append(threads).append("T | openblas ").append(threads).append("T | rust vs openblas |");
        }
        md.append("\n|---:|").append("---:|".repeat(3 * threadCounts.size())).append('\n');
        for (int size : sizes) {
            md.append("| ").append(size).append(" |");
            for (int threads : threadCounts) {
                Optional<Row> rust = results.row(GEMM, "rust-offheap", "f32", size, threads);
                md.append(' ').append(rust.map(MarkdownTables::cell).orElse("")).append(" | ")
                        .append(results.row(GEMM, "openblas", "f32", size, threads).map(MarkdownTables::cell).orElse("")).append(" | ")
                        .append(rust.flatMap(results::ratioToOpenBlas).map(MarkdownTables::ratio).orElse("")).append(" |");
            }
            md.append('\n');
        }
    }

    private void latencyTable(StringBuilder md) {
        TreeSet<Integer> sizes = results.sizes(LATENCY, "f64");
        if (sizes.isEmpty()) {
            return;
        }
        List<String> impls = Results.impls(results.of(LATENCY));
        md.append("\n## Small sizes: time per call from Java, FFM transition included, 1 thread\n\n| n |");
        impls.forEach(impl -> md.append(' ').append(impl).append(" |"));
        md.append(" rust-heap vs java-tuned | rust-offheap vs java-tuned |\n|---:|")
                .append("---:|".repeat(impls.size() + 2)).append('\n');
        for (int size : sizes) {
            md.append("| ").append(size).append(" |");
            for (String impl : impls) {
                md.append(' ').append(results.row(LATENCY, impl, "f64", size, 1).map(r -> time(r.medianUs())).orElse(""))
                        .append(" |");
            }
            for (String impl : List.of("rust-heap", "rust-offheap")) {
                md.append(' ').append(speedupOverJava(impl, size).map(MarkdownTables::ratio).orElse("")).append(" |");
            }
            md.append('\n');
        }
        md.append("\nrust-heap passes the Java arrays in place (a critical downcall); rust-offheap passes off-heap "
                + "segments. The native call pays (is faster than the Java loop at this n and every larger n "
                + "measured) from ");
        md.append(paysFrom("rust-heap", sizes)).append(" on heap arrays and from ")
                .append(paysFrom("rust-offheap", sizes)).append(" off-heap.\n");
    }

    private void batchTable(StringBuilder md) {
        List<Row> batch = results.of(BATCH).toList();
        if (batch.isEmpty()) {
            return;
        }
        md.append("\n## Batches: many n x n x n products, time for all of them (GFLOP/s)\n\n");
        md.append("`Matmul.dgemmBatch` (one call) against the same products called one by one (`Matmul.dgemm` in a "
                + "loop) and against one square call with the same multiply-adds (n_big = cbrt(count) * n). Off-heap: "
                + "segments of one arena; heap: `double[]`.\n\n");
        md.append("| n x count | threads | storage | batch | one by one | one big call | batch vs one by one | "
                + "batch vs one big call |\n|---|---:|---|---:|---:|---:|---:|---:|\n");
        for (int size : results.sizes(BATCH, "f64")) {
            for (int threads : batch.stream().map(Row::threads).distinct().sorted().toList()) {
                for (String storage : List.of("offheap", "heap")) {
                    Optional<Row> one = results.row(BATCH, "batch-" + storage, "f64", size, threads);
                    if (one.isEmpty()) {
                        continue;
                    }
                    Optional<Row> loop = results.row(BATCH, "one-by-one-" + storage, "f64", size, threads);
                    Optional<Row> big = results.row(BATCH, "one-big-call-" + storage, "f64", size, threads);
                    md.append("| ").append(size).append(" x ").append(BatchBenchmark.products(size)).append(" | ")
                            .append(threads).append(" | ").append(storage).append(" | ").append(cell(one.get()))
                            .append(" | ").append(loop.map(MarkdownTables::cell).orElse("")).append(" | ")
                            .append(big.map(MarkdownTables::cell).orElse("")).append(" | ")
                            .append(loop.map(l -> ratio(l.medianUs() / one.get().medianUs())).orElse("")).append(" | ")
                            .append(big.map(b -> ratio(b.medianUs() / one.get().medianUs())).orElse("")).append(" |\n");
                }
            }
        }
    }

    private void thinTable(StringBuilder md) {
        List<Row> thin = results.of(THIN).toList();
        if (thin.isEmpty()) {
            return;
        }
        List<String> impls = Results.impls(thin.stream().filter(r -> !r.impl().equals("read-roof")));
        md.append("\n## Thin shapes: time per product and its distance from the memory roof\n\n");
        md.append("C := A * B row-major f64. The roof is `read-roof`: one streaming read (`MemorySegment.mismatch`) of "
                + "as many bytes as the product reads and writes, measured in the same run, on one thread; x roof = "
                + "time / roof time (1.00x is the roof).\n\n| shape (m x n x k) | threads | roof |");
        impls.forEach(impl -> md.append(' ').append(impl).append(" |"));
        md.append(" rust-offheap x roof | rust-heap x roof | rust-offheap vs java-loop |\n|---|---:|---:|")
                .append("---:|".repeat(impls.size() + 3)).append('\n');
        for (ThinBenchmark.Shape shape : ThinBenchmark.Shape.values()) {
            Optional<Row> roof = results.row(THIN, "read-roof", "f64", shape.ordinal(), 1);
            for (int threads : thin.stream().filter(r -> r.size() == shape.ordinal() && !r.impl().equals("read-roof"))
                    .map(Row::threads).distinct().sorted().toList()) {
                md.append("| ").append(shape.id).append(" (").append(shape.dims()).append(") | ").append(threads)
                        .append(" | ").append(roof.map(r -> time(r.medianUs())).orElse("")).append(" |");
                for (String impl : impls) {
                    md.append(' ').append(results.row(THIN, impl, "f64", shape.ordinal(), threads).map(r -> time(r.medianUs()))
                            .orElse("")).append(" |");
                }
                for (String impl : List.of("rust-offheap", "rust-heap")) {
                    md.append(' ').append(results.row(THIN, impl, "f64", shape.ordinal(), threads)
                            .flatMap(r -> roof.map(f -> ratio(r.medianUs() / f.medianUs()))).orElse("")).append(" |");
                }
                Optional<Row> java = results.row(THIN, "java-loop", "f64", shape.ordinal(), 1);
                md.append(' ').append(results.row(THIN, "rust-offheap", "f64", shape.ordinal(), threads)
                        .flatMap(r -> java.map(j -> ratio(j.medianUs() / r.medianUs()))).orElse("")).append(" |\n");
            }
        }
    }

    private Optional<Double> speedupOverJava(String impl, int size) {
        Optional<Row> java = results.row(LATENCY, "java-tuned", "f64", size, 1);
        return results.row(LATENCY, impl, "f64", size, 1).flatMap(r -> java.map(j -> j.medianUs() / r.medianUs()));
    }

    private String paysFrom(String impl, TreeSet<Integer> sizes) {
        Integer from = null;
        for (int size : sizes.descendingSet()) {
            Optional<Double> speedup = speedupOverJava(impl, size);
            if (speedup.isEmpty() || speedup.get() <= 1) {
                break;
            }
            from = size;
        }
        return from == null ? "no n measured" : "n = " + from;
    }

    private static String cell(Row r) {
        return time(r.medianUs()) + " (" + gflops(r.gflops()) + ")";
    }

    private static String gflops(double value) {
        return value >= 10 ? String.format(Locale.ROOT, "%.1f", value) : String.format(Locale.ROOT, "%.2f", value);
    }

    private static String ratio(double value) {
        return value >= 100 ? String.format(Locale.ROOT, "%.0fx", value)
                : value >= 10 ? String.format(Locale.ROOT, "%.1fx", value) : String.format(Locale.ROOT, "%.2fx", value);
    }

    static String time(double micros) {
        if (micros < 1) {
            return String.format(Locale.ROOT, "%.0f ns", micros * 1e3);
        }
        if (micros < 1e3) {
            return String.format(Locale.ROOT, "%.3g µs", micros);
        }
        if (micros < 1e6) {
            return String.format(Locale.ROOT, "%.3g ms", micros / 1e3);
        }
        return String.format(Locale.ROOT, "%.3g s", micros / 1e6);
    }

    private static void header(StringBuilder md, String name, String value) {
        md.append("| ").append(name).append(" | ").append(value).append(" |\n");
    }

}
