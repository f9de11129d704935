package io.github.matmulffm.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Turns a run's {@code raw.json} (JMH) and {@code env.json} ({@link Suite}) into what a user
 * reads: {@code results.csv} (a row per benchmark x implementation x precision x size x
 * threads), {@code results.md} (tables) and {@code chart.png} (GFLOP/s against n, log-log).
 * Run alone it regenerates them from a directory: {@code Report OUTPUT_DIR}.
 */
public final class Report {

    static final String GEMM = "gemm";
    static final String LATENCY = "latency";
    static final String BATCH = "batch";
    /** Thin shapes ({@link ThinBenchmark}); a row's size is its shape's ordinal. */
    static final String THIN = "thin";
    private static final List<String> ORDER = List.of("java-naive", "java-tuned", "java-loop", "ejml", "vectorblas", "rust-naive", "rust-heap",
            "rust-offheap", "openblas");

    /** One measured configuration; times in microseconds. */
    record Row(String benchmark, String impl, String precision, int size, int threads, double medianUs,
               double errorUs) {
        /** A batch row's time covers all of its products (or the one big call of the same work). */
        double gflops() {
            if (benchmark.equals(THIN)) {
                ThinBenchmark.Shape shape = ThinBenchmark.Shape.values()[size];
                return 2.0 * shape.m * (double) shape.n * shape.k / (medianUs * 1e3);
            }
            double products = benchmark.equals(BATCH) ? BatchBenchmark.products(size) : 1;
            return 2.0 * products * size * size * (double) size / (medianUs * 1e3);
        }

        String key() {
            return key(benchmark, impl, precision, size, threads);
        }

        static String key(String benchmark, String impl, String precision, int size, int threads) {
            return benchmark + "|" + impl + "|" + precision + "|" + size + "|" + threads;
        }
    }

    private final Map<String, Row> rows = new LinkedHashMap<>();
    private final JsonObject env;

    Report(List<Row> measured, JsonObject env) {
        measured.stream()
                .sorted(Comparator.comparing((Row r) -> r.benchmark().equals(GEMM) ? 0 : 1)
                        .thenComparing(Row::precision, Comparator.reverseOrder())
                        .thenComparing(r -> ORDER.indexOf(r.impl()))
                        .thenComparingInt(Row::threads)
                        .thenComparingInt(Row::size))
                .forEach(r -> rows.put(r.key(), r));
        this.env = env;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Report OUTPUT_DIR   (reads raw.json and env.json there)");
            System.exit(2);
        }
        write(Path.of(args[0]));
    }

    /** Reads {@code dir/raw.json} and {@code dir/env.json}, writes the CSV, the tables and the chart there. */
    public static void write(Path dir) throws IOException {
        JsonObject env = Files.exists(dir.resolve("env.json"))
                ? JsonParser.parseString(Files.readString(dir.resolve("env.json"))).getAsJsonObject()
                : new JsonObject();
        Report report = new Report(parse(Files.readString(dir.resolve("raw.json"))), env);
        Files.writeString(dir.resolve("results.csv"), report.csv(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("results.md"), report.markdown(), StandardCharsets.UTF_8);
        report.chart(dir.resolve("chart.png"));
        System.out.println("# wrote " + dir.resolve("results.csv") + ", " + dir.resolve("results.md") + ", "
                + dir.resolve("chart.png"));
    }

    /** JMH's JSON: one object per benchmark and parameter set; the median is taken over all iterations. */
    static List<Row> parse(String json) {
        List<Row> parsed = new ArrayList<>();
        for (JsonElement element : JsonParser.parseString(json).getAsJsonArray()) {
            JsonObject result = element.getAsJsonObject();
            String name = result.get("benchmark").getAsString();
            String benchmark = name.contains(LatencyBenchmark.class.getSimpleName()) ? LATENCY
                    : name.contains(BatchBenchmark.class.getSimpleName()) ? BATCH
                    : name.contains(ThinBenchmark.class.getSimpleName()) ? THIN : GEMM;
            JsonObject params = result.getAsJsonObject("params");
            JsonObject metric = result.getAsJsonObject("primaryMetric");
            double toMicros = switch (metric.get("scoreUnit").getAsString()) {
                case "ns/op" -> 1e-3;
                case "us/op" -> 1;
                case "ms/op" -> 1e3;
                case "s/op" -> 1e6;
                default -> throw new IllegalArgumentException("unexpected unit " + metric.get("scoreUnit"));
            };
            List<Double> samples = new ArrayList<>();
            for (JsonElement fork : metric.getAsJsonArray("rawData")) {
                for (JsonElement value : fork.getAsJsonArray()) {
                    samples.add(value.getAsDouble());
                }
            }
            double error = metric.get("scoreError").getAsDouble();
            // A batch row's "implementation" is its mode and storage: batch-offheap, one-by-one-heap, ...
            String impl = benchmark.equals(BATCH)
                    ? params.get("mode").getAsString() + "-" + params.get("storage").getAsString()
                    : params.get("impl").getAsString();
            parsed.add(new Row(benchmark, impl,
                    params.has("precision") ? params.get("precision").getAsString() : "f64",
                    benchmark.equals(THIN) ? ThinBenchmark.Shape.of(params.get("shape").getAsString()).ordinal()
                            : params.get("size").getAsInt(),
                    params.has("threads") ? params.get("threads").getAsInt() : 1,
                    median(samples) * toMicros, Double.isNaN(error) ? Double.NaN : error * toMicros));
        }
        return parsed;
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int size = sorted.size();
        return size % 2 == 1 ? sorted.get(size / 2) : (sorted.get(size / 2 - 1) + sorted.get(size / 2)) / 2;
    }

    // ------------------------------------------------------------------ comparisons

    private Optional<Row> row(String benchmark, String impl, String precision, int size, int threads) {
        return Optional.ofNullable(rows.get(Row.key(benchmark, impl, precision, size, threads)));
    }

    /** java-naive time / this time (throughput benchmark only; java-naive is f64 on one thread). */
    Optional<Double> speedupOverJavaNaive(Row r) {
        if (!r.benchmark().equals(GEMM)) {
            return Optional.empty();
        }
        return row(GEMM, "java-naive", "f64", r.size(), 1).map(naive -> naive.medianUs() / r.medianUs());
    }

    /** OpenBLAS time / this time, same benchmark, precision, size and threads: above 1 is faster than OpenBLAS. */
    Optional<Double> ratioToOpenBlas(Row r) {
        return row(r.benchmark(), "openblas", r.precision(), r.size(), r.threads())
                .map(openblas -> openblas.medianUs() / r.medianUs());
    }

    // ------------------------------------------------------------------ CSV

    String csv() {
        StringBuilder out = new StringBuilder("benchmark,impl,precision,size,threads,median_us,error_us,gflops,"
                + "speedup_vs_java_naive,ratio_to_openblas\n");
        for (Row r : rows.values()) {
            out.append(String.join(",", r.benchmark(), r.impl(), r.precision(), Integer.toString(r.size()),
                    Integer.toString(r.threads()), number(r.medianUs()), number(r.errorUs()), number(r.gflops()),
                    speedupOverJavaNaive(r).map(Report::number).orElse(""),
                    ratioToOpenBlas(r).map(Report::number).orElse(""))).append('\n');
        }
        return out.toString();
    }

    private static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "";
        }
        return new BigDecimal(value).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }

    // ------------------------------------------------------------------ Markdown

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# matmul-ffm benchmark (").append(text("mode")).append(" run)\n\n");
        md.append("| | |\n|---|---|\n");
        header(md, "measured", text("date") + ", commit `" + text("commit") + "`");
        header(md, "command", "`" + text("command") + "`");
        header(md, "machine", text("cpu") + ", " + text("cores") + " cores, " + text("os"));
        header(md, "JDK", text("jdk"));
        header(md, "kernel", text("kernel"));
        header(md, "OpenBLAS", text("openblas"));
        header(md, "OpenBLAS core", text("openblas_core") + " (OPENBLAS_CORETYPE=" + text("openblas_coretype_env") + ")");
        header(md, "threads", env.has("threads") ? env.get("threads").toString() : "?");
        header(md, "JMH", text("jmh") + "; throughput: " + text("gemm_timing") + "; latency: " + text("latency_timing")
                + "; median of the measured iterations");
        md.append("\nTimes are per multiply, C = A * B, square n x n, row-major, random data in [-1, 1); "
                + "GFLOP/s = 2n³ / time. rust-heap is `Matmul.dgemm(double[] ...)` (a critical call on the "
                + "arrays when the product is small, a copy off-heap above the binding's threshold), rust-offheap is "
                + "`Matmul.dgemm(MemorySegment ...)` (zero copy), openblas is `cblas_dgemm` through FFM on "
                + "off-heap segments. java-naive and rust-naive stop at n = ").append(text("naive_max_size"))
                .append(" to keep the run bounded (seconds per multiply beyond). Full figures: `results.csv`.\n");

        List<Integer> threadCounts = gemmRows().map(Row::threads).distinct().sorted().toList();
        for (int threads : threadCounts) {
            dgemmTable(md, threads);
        }
        sgemmTable(md, threadCounts);
        latencyTable(md);
        batchTable(md);
        thinTable(md);
        return md.toString();
    }

    private void header(StringBuilder md, String name, String value) {
        md.append("| ").append(name).append(" | ").append(value).append(" |\n");
    }

    private String text(String key) {
        return env.has(key) ? env.get(key).getAsString() : "?";
    }

    private java.util.stream.Stream<Row> gemmRows() {
        return rows.values().stream().filter(r -> r.benchmark().equals(GEMM));
    }

    private TreeSet<Integer> sizes(String benchmark, String precision) {
        return rows.values().stream().filter(r -> r.benchmark().equals(benchmark) && r.precision().equals(precision))
                .map(Row::size).collect(Collectors.toCollection(TreeSet::new));
    }

    private void dgemmTable(StringBuilder md, int threads) {
        List<String> impls = gemmRows().filter(r -> r.precision().equals("f64") && r.threads() == threads)
                .map(Row::impl).distinct().sorted(Comparator.comparing(ORDER::indexOf)).toList();
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
        for (int size : sizes(GEMM, "f64")) {
            md.append("| ").append(size).append(" |");
            for (String impl : impls) {
                md.append(' ').append(row(GEMM, impl, "f64", size, threads).map(Report::cell).orElse("")).append(" |");
            }
            md.append(' ').append(row(GEMM, "rust-heap", "f64", size, threads).flatMap(this::speedupOverJavaNaive)
                    .map(Report::ratio).orElse("")).append(" |");
            md.append(' ').append(row(GEMM, "rust-offheap", "f64", size, threads).flatMap(this::ratioToOpenBlas)
                    .map(Report::ratio).orElse("")).append(" |\n");
        }
    }

    private void sgemmTable(StringBuilder md, List<Integer> threadCounts) {
        TreeSet<Integer> sizes = sizes(GEMM, "f32");
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
                Optional<Row> rust = row(GEMM, "rust-offheap", "f32", size, threads);
                md.append(' ').append(rust.map(Report::cell).orElse("")).append(" | ")
                        .append(row(GEMM, "openblas", "f32", size, threads).map(Report::cell).orElse("")).append(" | ")
                        .append(rust.flatMap(this::ratioToOpenBlas).map(Report::ratio).orElse("")).append(" |");
            }
            md.append('\n');
        }
    }

    private void latencyTable(StringBuilder md) {
        TreeSet<Integer> sizes = sizes(LATENCY, "f64");
        if (sizes.isEmpty()) {
            return;
        }
        List<String> impls = rows.values().stream().filter(r -> r.benchmark().equals(LATENCY)).map(Row::impl)
                .distinct().sorted(Comparator.comparing(ORDER::indexOf)).toList();
        md.append("\n## Small sizes: time per call from Java, FFM transition included, 1 thread\n\n| n |");
        impls.forEach(impl -> md.append(' ').append(impl).append(" |"));
        md.append(" rust-heap vs java-tuned | rust-offheap vs java-tuned |\n|---:|")
                .append("---:|".repeat(impls.size() + 2)).append('\n');
        for (int size : sizes) {
            md.append("| ").append(size).append(" |");
            for (String impl : impls) {
                md.append(' ').append(row(LATENCY, impl, "f64", size, 1).map(r -> time(r.medianUs())).orElse(""))
                        .append(" |");
            }
            for (String impl : List.of("rust-heap", "rust-offheap")) {
                md.append(' ').append(speedupOverJava(impl, size).map(Report::ratio).orElse("")).append(" |");
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
        List<Row> batch = rows.values().stream().filter(r -> r.benchmark().equals(BATCH)).toList();
        if (batch.isEmpty()) {
            return;
        }
        md.append("\n## Batches: many n x n x n products, time for all of them (GFLOP/s)\n\n");
        md.append("`Matmul.dgemmBatch` (one call) against the same products called one by one (`Matmul.dgemm` in a "
                + "loop) and against one square call with the same multiply-adds (n_big = cbrt(count) * n). Off-heap: "
                + "segments of one arena; heap: `double[]`.\n\n");
        md.append("| n x count | threads | storage | batch | one by one | one big call | batch vs one by one | "
                + "batch vs one big call |\n|---|---:|---|---:|---:|---:|---:|---:|\n");
        for (int size : sizes(BATCH, "f64")) {
            for (int threads : batch.stream().map(Row::threads).distinct().sorted().toList()) {
                for (String storage : List.of("offheap", "heap")) {
                    Optional<Row> one = row(BATCH, "batch-" + storage, "f64", size, threads);
                    if (one.isEmpty()) {
                        continue;
                    }
                    Optional<Row> loop = row(BATCH, "one-by-one-" + storage, "f64", size, threads);
                    Optional<Row> big = row(BATCH, "one-big-call-" + storage, "f64", size, threads);
                    md.append("| ").append(size).append(" x ").append(BatchBenchmark.products(size)).append(" | ")
                            .append(threads).append(" | ").append(storage).append(" | ").append(cell(one.get()))
                            .append(" | ").append(loop.map(Report::cell).orElse("")).append(" | ")
                            .append(big.map(Report::cell).orElse("")).append(" | ")
                            .append(loop.map(l -> ratio(l.medianUs() / one.get().medianUs())).orElse("")).append(" | ")
                            .append(big.map(b -> ratio(b.medianUs() / one.get().medianUs())).orElse("")).append(" |\n");
                }
            }
        }
    }

    private void thinTable(StringBuilder md) {
        List<Row> thin = rows.values().stream().filter(r -> r.benchmark().equals(THIN)).toList();
        if (thin.isEmpty()) {
            return;
        }
        List<String> impls = thin.stream().map(Row::impl).filter(impl -> !impl.equals("read-roof")).distinct()
                .sorted(Comparator.comparing(ORDER::indexOf)).toList();
        md.append("\n## Thin shapes: time per product and its distance from the memory roof\n\n");
        md.append("C := A * B row-major f64. The roof is `read-roof`: one streaming read (`MemorySegment.mismatch`) of "
                + "as many bytes as the product reads and writes, measured in the same run, on one thread; x roof = "
                + "time / roof time (1.00x is the roof).\n\n| shape (m x n x k) | threads | roof |");
        impls.forEach(impl -> md.append(' ').append(impl).append(" |"));
        md.append(" rust-offheap x roof | rust-heap x roof | rust-offheap vs java-loop |\n|---|---:|---:|")
                .append("---:|".repeat(impls.size() + 3)).append('\n');
        for (ThinBenchmark.Shape shape : ThinBenchmark.Shape.values()) {
            Optional<Row> roof = row(THIN, "read-roof", "f64", shape.ordinal(), 1);
            for (int threads : thin.stream().filter(r -> r.size() == shape.ordinal() && !r.impl().equals("read-roof"))
                    .map(Row::threads).distinct().sorted().toList()) {
                md.append("| ").append(shape.id).append(" (").append(shape.dims()).append(") | ").append(threads)
                        .append(" | ").append(roof.map(r -> time(r.medianUs())).orElse("")).append(" |");
                for (String impl : impls) {
                    md.append(' ').append(row(THIN, impl, "f64", shape.ordinal(), threads).map(r -> time(r.medianUs()))
                            .orElse("")).append(" |");
                }
                for (String impl : List.of("rust-offheap", "rust-heap")) {
                    md.append(' ').append(row(THIN, impl, "f64", shape.ordinal(), threads)
                            .flatMap(r -> roof.map(f -> ratio(r.medianUs() / f.medianUs()))).orElse("")).append(" |");
                }
                Optional<Row> java = row(THIN, "java-loop", "f64", shape.ordinal(), 1);
                md.append(' ').append(row(THIN, "rust-offheap", "f64", shape.ordinal(), threads)
                        .flatMap(r -> java.map(j -> ratio(j.medianUs() / r.medianUs()))).orElse("")).append(" |\n");
            }
        }
    }

    private Optional<Double> speedupOverJava(String impl, int size) {
        Optional<Row> java = row(LATENCY, "java-tuned", "f64", size, 1);
        return row(LATENCY, impl, "f64", size, 1).flatMap(r -> java.map(j -> j.medianUs() / r.medianUs()));
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

    // ------------------------------------------------------------------ chart

    void chart(Path file) throws IOException {
        XYSeriesCollection dataset = new XYSeriesCollection();
        List<Row> gemm = gemmRows().toList();
        Map<String, XYSeries> series = new LinkedHashMap<>();
        for (Row r : gemm) {
            boolean threaded = Implementation.of(r.impl()).threaded();
            String name = r.impl() + (r.precision().equals("f32") ? " f32" : "") + (threaded ? " " + r.threads() + "T" : "");
            series.computeIfAbsent(name, key -> new XYSeries(key, true, false)).add(r.size(), r.gflops());
        }
        series.values().forEach(dataset::addSeries);

        // Both axes log 2, a tick per power of two (a LogAxis tick unit counts exponents).
        LogAxis x = new LogAxis("n (square matrices, log scale)");
        x.setBase(2);
        x.setTickUnit(new NumberTickUnit(1));
        x.setNumberFormatOverride(new DecimalFormat("0"));
        LogAxis y = new LogAxis("GFLOP/s (log scale)");
        y.setBase(2);
        y.setTickUnit(new NumberTickUnit(1));
        y.setNumberFormatOverride(new DecimalFormat("0.###"));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        XYPlot plot = new XYPlot(dataset, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        int index = 0;
        for (String name : series.keySet()) {
            renderer.setSeriesPaint(index, color(name));
            boolean oneThreadOfMany = name.endsWith(" 1T");
            boolean f32 = name.contains(" f32");
            float width = 2.2f;
            renderer.setSeriesStroke(index, oneThreadOfMany
                    ? new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[]{6f, 4f}, 0f)
                    : f32 ? new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[]{2f, 3f}, 0f)
                    : new BasicStroke(width));
            index++;
        }
        JFreeChart chart = new JFreeChart("matmul-ffm: DGEMM/SGEMM GFLOP/s against n", new Font("SansSerif", Font.BOLD, 16),
                plot, true);
        chart.addSubtitle(new TextTitle(text("cpu") + ", " + text("cores") + " cores; " + text("jdk") + "; "
                + text("kernel") + "; OpenBLAS core " + text("openblas_core") + "; " + text("date")
                + ". Dashed: 1 thread; solid: all cores (Java: 1 thread); dotted: f32 all cores.",
                new Font("SansSerif", Font.PLAIN, 11)));
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1200, 760);
    }

    private static Color color(String series) {
        String impl = series.split(" ")[0];
        boolean f32 = series.contains(" f32");
        return switch (impl) {
            case "java-naive" -> new Color(0x7f7f7f);
            case "java-tuned" -> new Color(0x8c564b);
            case "ejml" -> new Color(0xbcbd22);
            case "vectorblas" -> f32 ? new Color(0xf7b6d2) : new Color(0xe377c2);
            case "rust-naive" -> new Color(0x9467bd);
            case "rust-heap" -> new Color(0x1f77b4);
            case "rust-offheap" -> f32 ? new Color(0x17becf) : new Color(0x2ca02c);
            case "openblas" -> f32 ? new Color(0xff7f0e) : new Color(0xd62728);
            default -> Color.BLACK;
        };
    }
}
