package io.github.matmulffm.bench;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One run's measurements: JMH's {@code raw.json} read into rows (a median per benchmark x
 * implementation x precision x size x threads), the suite's {@code env.json}, and the
 * comparisons every view of them makes. The views are {@link CsvTable}, {@link MarkdownTables}
 * and {@link Charts}.
 */
final class Results {

    static final String GEMM = "gemm";
    static final String LATENCY = "latency";
    static final String BATCH = "batch";
    /** Thin shapes ({@link ThinBenchmark}); a row's size is its shape's ordinal. */
    static final String THIN = "thin";
    static final List<String> ORDER = List.of("java-naive", "java-tuned", "java-loop", "ejml", "vectorblas", "rust-naive",
            "rust-heap", "rust-offheap", "openblas");

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

    Results(List<Row> measured, JsonObject env) {
        measured.stream()
                .sorted(Comparator.comparing((Row r) -> r.benchmark().equals(GEMM) ? 0 : 1)
                        .thenComparing(Row::precision, Comparator.reverseOrder())
                        .thenComparing(r -> ORDER.indexOf(r.impl()))
                        .thenComparingInt(Row::threads)
                        .thenComparingInt(Row::size))
                .forEach(r -> rows.put(r.key(), r));
        this.env = env;
    }

    /** {@code dir/raw.json} and, when there, {@code dir/env.json}. */
    static Results read(Path dir) throws IOException {
        JsonObject env = Files.exists(dir.resolve("env.json"))
                ? JsonParser.parseString(Files.readString(dir.resolve("env.json"))).getAsJsonObject()
                : new JsonObject();
        return new Results(parse(Files.readString(dir.resolve("raw.json"))), env);
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

    Collection<Row> all() {
        return rows.values();
    }

    Stream<Row> of(String benchmark) {
        return rows.values().stream().filter(r -> r.benchmark().equals(benchmark));
    }

    Optional<Row> row(String benchmark, String impl, String precision, int size, int threads) {
        return Optional.ofNullable(rows.get(Row.key(benchmark, impl, precision, size, threads)));
    }

    TreeSet<Integer> sizes(String benchmark, String precision) {
        return of(benchmark).filter(r -> r.precision().equals(precision)).map(Row::size)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The thread counts a benchmark ran with, fewest first; empty when it did not run. */
    List<Integer> threadCounts(String benchmark) {
        return of(benchmark).map(Row::threads).distinct().sorted().toList();
    }

    /** The most threads a benchmark ran with; 1 when it did not run. */
    int maxThreads(String benchmark) {
        List<Integer> counts = threadCounts(benchmark);
        return counts.isEmpty() ? 1 : counts.getLast();
    }

    /** The implementations among {@code rows}, in the report's order. */
    static List<String> impls(Stream<Row> rows) {
        return rows.map(Row::impl).distinct().sorted(Comparator.comparing(ORDER::indexOf)).toList();
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

    /** The memory roof's time for a thin shape / this row's time: 1 is the roof. */
    Optional<Double> fractionOfRoof(Row r) {
        return row(THIN, "read-roof", "f64", r.size(), 1).map(roof -> roof.medianUs() / r.medianUs());
    }

    /** A value of env.json as text, "?" when the run did not record it. */
    String env(String key) {
        return env.has(key) ? env.get(key).getAsString() : "?";
    }

    String envJson(String key) {
        return env.has(key) ? env.get(key).toString() : "?";
    }
}
