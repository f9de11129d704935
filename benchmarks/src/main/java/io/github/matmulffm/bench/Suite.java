package io.github.matmulffm.bench;

import com.google.gson.GsonBuilder;
import io.github.matmulffm.KernelInfo;
import io.github.matmulffm.Matmul;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * The whole benchmark in one run: every implementation side by side through JMH (one fork
 * per implementation, size and thread count), then the report. {@code make bench} runs the
 * full set, {@code make bench-quick} a reduced one with the same outputs:
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar io.github.matmulffm.bench.Suite full|quick OUTPUT_DIR</pre>
 *
 * <p>Writes {@code OUTPUT_DIR/raw.json} (JMH's JSON, rewritten after each group so a partial
 * run keeps what it measured), {@code env.json} (machine, JDK, kernel, OpenBLAS core) and,
 * through {@link Report}, results.csv, results.md and chart.png.
 */
public final class Suite {

    /** JMH iteration counts and times for one group. */
    record Timing(int warmupIterations, int warmupMillis, int iterations, int millis) {
        String describe() {
            return "1 fork, " + warmupIterations + " x " + seconds(warmupMillis) + " warmup, "
                    + iterations + " x " + seconds(millis) + " measurement";
        }

        private static String seconds(int millis) {
            return millis % 1000 == 0 ? (millis / 1000) + " s" : (millis / 1000.0) + " s";
        }
    }

    /** One JMH run: one benchmark and implementation over sizes x thread counts. */
    record Group(Class<?> benchmark, String method, String impl, String precision, int[] sizes, int[] threads,
                 Timing timing, String[] shapes) {
        Group(Class<?> benchmark, String method, String impl, String precision, int[] sizes, int[] threads, Timing timing) {
            this(benchmark, method, impl, precision, sizes, threads, timing, new String[0]);
        }
    }

    /** What a mode measures. */
    record Plan(String mode, int[] sizes, int naiveMaxSize, int[] f32Sizes, int[] latencySizes, int[] batchSizes,
                String[] thinShapes, Timing gemm, Timing latency) {
    }

    static final Plan FULL = new Plan("full", new int[]{10, 50, 100, 200, 500, 1000, 2048}, 1000,
            new int[]{10, 50, 100, 200, 500, 1000, 2048}, new int[]{2, 4, 8, 16, 32, 64}, new int[]{8, 32},
            new String[]{"dot", "vecmat", "matvec", "panel", "outer"}, new Timing(2, 1000, 5, 1000), new Timing(2, 500, 5, 500));
    static final Plan QUICK = new Plan("quick", new int[]{200, 512}, 1000, new int[]{512}, new int[]{8, 64}, new int[]{8}, new String[]{"dot", "matvec"},
            new Timing(2, 200, 3, 300), new Timing(1, 200, 3, 200));

    private Suite() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        if (args.length != 2 || !(args[0].equals("full") || args[0].equals("quick"))) {
            System.err.println("usage: Suite full|quick OUTPUT_DIR");
            System.exit(2);
        }
        Plan plan = args[0].equals("full") ? FULL : QUICK;
        Path out = Path.of(args[1]);
        Files.createDirectories(out);

        int cores = Runtime.getRuntime().availableProcessors();
        int[] threads = cores > 1 ? new int[]{1, cores} : new int[]{1};
        Map<String, Object> env = environment(plan, threads);
        env.forEach((key, value) -> System.out.println("# " + key + ": " + value));
        if (!OpenBlas.available()) {
            System.out.println("# OpenBLAS not found, its rows are skipped: " + OpenBlas.unavailableReason());
        } else if (Boolean.TRUE.equals(env.get("avx512f")) && System.getenv("OPENBLAS_CORETYPE") == null) {
            System.out.println("# warning: OPENBLAS_CORETYPE is not set; OpenBLAS may run a slower core than this"
                    + " AVX-512 CPU allows (make bench sets OPENBLAS_CORETYPE=SkylakeX)");
        }

        List<Group> groups = groups(plan, threads);
        List<RunResult> results = new ArrayList<>();
        Instant start = Instant.now();
        for (int i = 0; i < groups.size(); i++) {
            Group group = groups.get(i);
            System.out.printf("%n### [%d/%d, %s elapsed] %s %s %s, n = %s, threads = %s%n", i + 1, groups.size(),
                    elapsed(start), group.benchmark().getSimpleName(), group.impl(), group.precision(),
                    group.shapes().length > 0 ? Arrays.toString(group.shapes()) : Arrays.toString(group.sizes()),
                    Arrays.toString(group.threads()));
            results.addAll(run(group));
            writeJson(out.resolve("raw.json"), results);
        }
        env.put("elapsed", elapsed(start));
        Files.writeString(out.resolve("env.json"), new GsonBuilder().setPrettyPrinting().create().toJson(env),
                StandardCharsets.UTF_8);
        System.out.printf("%n# JMH done in %s: %d results in %s%n", elapsed(start), results.size(), out.resolve("raw.json"));
        Report.write(out);
    }

    static List<Group> groups(Plan plan, int[] threads) {
        int[] one = {1};
        int[] upToNaiveMax = IntStream.of(plan.sizes()).filter(n -> n <= plan.naiveMaxSize()).toArray();
        List<Group> groups = new ArrayList<>();
        groups.add(gemm(plan, "java-naive", "f64", upToNaiveMax, one));
        groups.add(gemm(plan, "java-tuned", "f64", plan.sizes(), one));
        groups.add(gemm(plan, "ejml", "f64", plan.sizes(), one));
        if (Implementation.VECTORBLAS.available()) {
            groups.add(gemm(plan, "vectorblas", "f64", plan.sizes(), one));
        }
        groups.add(gemm(plan, "rust-naive", "f64", upToNaiveMax, one));
        groups.add(gemm(plan, "rust-heap", "f64", plan.sizes(), threads));
        groups.add(gemm(plan, "rust-offheap", "f64", plan.sizes(), threads));
        if (OpenBlas.available()) {
            groups.add(gemm(plan, "openblas", "f64", plan.sizes(), threads));
        }
        groups.add(gemm(plan, "rust-offheap", "f32", plan.f32Sizes(), threads));
        if (Implementation.VECTORBLAS.available()) {
            groups.add(gemm(plan, "vectorblas", "f32", plan.f32Sizes(), one));
        }
        if (OpenBlas.available()) {
            groups.add(gemm(plan, "openblas", "f32", plan.f32Sizes(), threads));
        }
        for (String impl : List.of("java-tuned", "vectorblas", "rust-heap", "rust-offheap", "openblas")) {
            if (Implementation.of(impl).available()) {
                groups.add(new Group(LatencyBenchmark.class, "call", impl, "f64", plan.latencySizes(), one,
                        plan.latency()));
            }
        }
        // Every mode (batch, one by one, one big call) and storage of BatchBenchmark in one group.
        groups.add(new Group(BatchBenchmark.class, "multiply", "batch", "f64", plan.batchSizes(), threads, plan.latency()));
        // Thin shapes: the roof and the Java loops on one thread, the native ones at every thread count.
        for (String impl : List.of("read-roof", "java-loop", "vectorblas", "rust-heap", "rust-offheap", "openblas")) {
            boolean nativeImpl = impl.startsWith("rust") || impl.equals("openblas");
            if ((impl.equals("vectorblas") && !Implementation.VECTORBLAS.available()) || (impl.equals("openblas") && !OpenBlas.available())) {
                continue;
            }
            groups.add(new Group(ThinBenchmark.class, "multiply", impl, "f64", new int[0], nativeImpl ? threads : one,
                    plan.latency(), plan.thinShapes()));
        }
        return groups;
    }

    private static Group gemm(Plan plan, String impl, String precision, int[] sizes, int[] threads) {
        return new Group(GemmBenchmark.class, "multiply", impl, precision, sizes, threads, plan.gemm());
    }

    private static java.util.Collection<RunResult> run(Group group) throws RunnerException {
        Timing timing = group.timing();
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include("^" + Pattern.quote(group.benchmark().getName() + "." + group.method()) + "$")
                .forks(1)
                .warmupIterations(timing.warmupIterations())
                .warmupTime(TimeValue.milliseconds(timing.warmupMillis()))
                .measurementIterations(timing.iterations())
                .measurementTime(TimeValue.milliseconds(timing.millis()))
                .shouldFailOnError(true);
        if (group.benchmark() == ThinBenchmark.class) {
            options.param("shape", group.shapes());
        } else {
            options.param("size", strings(group.sizes()));
        }
        if (group.benchmark() != BatchBenchmark.class) {
            options.param("impl", group.impl());
        }
        if (group.benchmark() == GemmBenchmark.class) {
            options.param("precision", group.precision());
        }
        if (group.benchmark() != LatencyBenchmark.class) {
            options.param("threads", strings(group.threads()));
        }
        return new Runner(options.build()).run();
    }

    private static String[] strings(int[] values) {
        return IntStream.of(values).mapToObj(Integer::toString).toArray(String[]::new);
    }

    private static void writeJson(Path file, List<RunResult> results) throws IOException {
        try (PrintStream stream = new PrintStream(Files.newOutputStream(file), false, StandardCharsets.UTF_8)) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, stream).writeOut(results);
        }
    }

    private static String elapsed(Instant start) {
        Duration duration = Duration.between(start, Instant.now());
        return String.format("%d:%02d", duration.toMinutes(), duration.toSecondsPart());
    }

    /** What the report is headed by: when, where, on what, with which cores and threads. */
    static Map<String, Object> environment(Plan plan, int[] threads) {
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("mode", plan.mode());
        env.put("date", DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC)
                .withNano(0)) + " UTC");
        env.put("commit", System.getProperty("bench.commit", "unknown"));
        env.put("command", System.getProperty("bench.command", "java -cp benchmarks.jar " + Suite.class.getName()
                + " " + plan.mode()));
        env.put("cpu", cpuInfo("model name").orElse(System.getProperty("os.arch")));
        env.put("avx512f", cpuInfo("flags").map(flags -> (" " + flags + " ").contains(" avx512f ")).orElse(false));
        env.put("cores", Runtime.getRuntime().availableProcessors());
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        env.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version"));
        env.put("jmh", "1.37");
        KernelInfo info = Matmul.info();
        env.put("kernel", "matmul-ffm " + info.version() + ", " + info.kernel() + " microkernel");
        env.put("threads", IntStream.of(threads).boxed().toList());
        if (OpenBlas.available()) {
            env.put("openblas", OpenBlas.config() + " (" + OpenBlas.library() + ")");
            env.put("openblas_core", OpenBlas.corename());
            env.put("openblas_coretype_env", String.valueOf(System.getenv("OPENBLAS_CORETYPE")));
        } else {
            env.put("openblas", "absent: " + OpenBlas.unavailableReason());
        }
        env.put("gemm_timing", plan.gemm().describe());
        env.put("latency_timing", plan.latency().describe());
        env.put("naive_max_size", plan.naiveMaxSize());
        return env;
    }

    private static java.util.Optional<String> cpuInfo(String key) {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith(key))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst();
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }
}
