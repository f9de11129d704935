package io.github.matmulffm.examples.recommender.loadgen;

import io.github.matmulffm.examples.recommender.FactorStore;
import io.github.matmulffm.examples.recommender.Factors;
import io.github.matmulffm.examples.recommender.SplitMix64;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The case study's measurement: for each backend, a fresh service process; a closed-loop
 * warm-up that also estimates its capacity (workers / the median single-request time);
 * then open-loop steps from a quarter of that estimate up, until two steps in a row are
 * past capacity; the second step measured again with hey. Writes recommender.csv, recommender.md and recommender.png.
 *
 * <pre>java -cp recommender.jar ...loadgen.CapacityRun [--out results] [--name case-study] [--backends a,b]
 *     [--step-seconds 8] [--common-rate 4] [--slo-ms 200]
 *     [--users 2000 --items 500 --rank 500 --cohort 500 --k 10] [--quick]</pre>
 */
public final class CapacityRun {
    /** The first steps' offered rates, as fractions of the estimated capacity. */
    private static final double[] LADDER = {0.25, 0.5, 0.75, 1.0};
    /** After them each step offers this much more, until two in a row are past capacity. */
    private static final double GROWTH = 1.25;
    private static final int MAX_STEPS = 14;
    /** The hey cross-check runs at the second step: below capacity, where both tools should agree. */
    private static final double CROSS_CHECK_AT = LADDER[1];

    /** One step; {@code common} marks the step at the rate every backend is offered. */
    public record Step(String backend, String blas, double estimate, boolean common, OpenLoop.Result result) {
    }

    public record CrossCheck(String backend, OpenLoop.Result ours, HeyCrossCheck.Result hey) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--quick")) {
                flags.put("quick", "true");
            } else {
                flags.put(args[i].substring(2), args[++i]);
            }
        }
        boolean quick = flags.containsKey("quick");
        Path out = Path.of(flags.getOrDefault("out", "results"));
        String name = flags.getOrDefault("name", "case-study");
        List<String> backends = Arrays.asList(flags.getOrDefault("backends", "naive,tuned,vectorblas,heap,off-heap").split(","));
        int stepSeconds = Integer.parseInt(flags.getOrDefault("step-seconds", quick ? "3" : "8"));
        int warmupSeconds = Integer.parseInt(flags.getOrDefault("warmup-seconds", quick ? "1" : "2"));
        int users = Integer.parseInt(flags.getOrDefault("users", "2000"));
        int items = Integer.parseInt(flags.getOrDefault("items", quick ? "200" : "500"));
        int rank = Integer.parseInt(flags.getOrDefault("rank", quick ? "200" : "500"));
        int cohort = Integer.parseInt(flags.getOrDefault("cohort", quick ? "200" : "500"));
        int k = Integer.parseInt(flags.getOrDefault("k", "10"));
        int workers = Integer.parseInt(flags.getOrDefault("workers", Integer.toString(Runtime.getRuntime().availableProcessors())));
        double commonRate = Double.parseDouble(flags.getOrDefault("common-rate", quick ? "10" : "4"));
        double sloMillis = Double.parseDouble(flags.getOrDefault("slo-ms", "200"));
        long seed = 42;
        Path data = out.resolve(name + "-data");
        Files.createDirectories(data);
        // The generator reads the same factors the services load, to check their answers.
        String jdbcUrl = "jdbc:h2:file:" + data.toAbsolutePath().resolve("factors");
        Factors factors = FactorStore.open(jdbcUrl, users, items, rank, seed);

        byte[][] bodies = bodies(users, cohort, k, 64);
        int[] checkUsers = users(bodies[0]); // the request each backend's answer is checked on
        String classPath = System.getProperty("java.class.path");
        List<String> serviceFlags = List.of("--users", "" + users, "--items", "" + items, "--rank", "" + rank,
                "--seed", "" + seed, "--workers", "" + workers, "--jdbc-url", jdbcUrl);
        Path jfr = data.resolve("naive.jfr");
        Files.deleteIfExists(jfr);
        Map<String, List<String>> agreement = new LinkedHashMap<>();
        boolean hey = HeyCrossCheck.available();
        if (!hey) {
            System.out.println("hey is not installed (apt-get install hey): no cross-check this run");
        }
        List<Step> steps = new ArrayList<>();
        List<CrossCheck> checks = new ArrayList<>();
        for (String backend : backends) {
            List<String> f = new ArrayList<>(serviceFlags);
            f.addAll(List.of("--backend", backend));
            // Profile before rewriting: the naive service runs under JFR for the whole run.
            List<String> jvm = backend.equals("naive")
                    ? List.of("-Xmx2g", "-XX:StartFlightRecording=filename=" + jfr + ",settings=profile,dumponexit=true")
                    : List.of("-Xmx2g");
            try (ServiceProcess service = ServiceProcess.start(classPath, jvm, f, 300)) {
                System.out.println(service.banner);
                Matcher named = Pattern.compile("backend=\\S+ \\((\\w+)\\)").matcher(service.banner);
                String blas = named.find() ? named.group(1) : "";
                URI recommend = service.base.resolve("/recommend");
                double single = warmUp(recommend, bodies, quick ? 3 : 8);
                List<String> problems = Agreement.check(factors, checkUsers, k, answer(recommend, bodies[0]));
                agreement.put(backend, problems);
                System.out.println("  answers " + (problems.isEmpty() ? "agree with the reference within the parity gauge" : "DISAGREE: " + problems));
                double estimate = workers / single;
                System.out.printf("%s: one request %.1f ms alone; capacity estimate %.1f req/s%n", backend, single * 1e3, estimate);
                OpenLoop loop = new OpenLoop(recommend, bodies, Duration.ofSeconds(30));
                OpenLoop.Result atCheck = null;
                // Step up until two steps in a row are past capacity (the service answers fewer
                // than 95% of what is offered, or refuses or loses over 1%): one such step
                // alone can be a noisy neighbour on a shared machine.
                OpenLoop.Result common = loop.run(commonRate, Duration.ofSeconds(warmupSeconds),
                        Duration.ofSeconds(Math.max(stepSeconds, Math.min(2L * stepSeconds, (long) Math.ceil(100 / commonRate)))), service::cpuNanos);
                steps.add(new Step(backend, blas, estimate, true, common));
                print("common rate", common);
                Thread.sleep(1000);
                int overInARow = 0;
                double rate = 0;
                for (int step = 0; step < MAX_STEPS && overInARow < 2; step++) {
                    rate = step < LADDER.length ? LADDER[step] * estimate : rate * GROWTH;
                    long seconds = Math.max(stepSeconds, Math.min(2L * stepSeconds, (long) Math.ceil(100 / rate)));
                    OpenLoop.Result r = loop.run(rate, Duration.ofSeconds(warmupSeconds), Duration.ofSeconds(seconds), service::cpuNanos);
                    steps.add(new Step(backend, blas, estimate, false, r));
                    print("step", r);
                    if (step == 1) {
                        atCheck = r; // the cross-check point: half the estimate, below capacity
                    }
                    boolean over = r.achievedPerSecond() < 0.95 * r.offeredPerSecond()
                            || r.rejected() + r.errors() + r.timeouts() > 0.01 * r.sent();
                    overInARow = over ? overInARow + 1 : 0;
                    Thread.sleep(1000); // every answer is in (run waits for them): let the GC and JIT settle
                }
                if (hey && atCheck != null) {
                    HeyCrossCheck.Result h = HeyCrossCheck.run(recommend, bodies[0], CROSS_CHECK_AT * estimate, workers,
                            Math.max(stepSeconds, Math.min(30, (int) Math.ceil(150 / (CROSS_CHECK_AT * estimate)))));
                    checks.add(new CrossCheck(backend, atCheck, h));
                    System.out.printf("  hey at %.1f/s: %.1f/s p50 %.1f p99 %.1f ms (ok %d, other %d)%n",
                            CROSS_CHECK_AT * estimate, h.requestsPerSecond(), h.p50Millis(), h.p99Millis(), h.ok(), h.other());
                }
                int exit = service.stop(60);
                System.out.println("  stopped with SIGTERM, exit status " + exit);
            }
        }
        List<Profile.Share> profile = Files.exists(jfr) ? Profile.topFrames(jfr) : List.of();
        if (!profile.isEmpty()) {
            Profile.chart(profile, 12, "Naive service under load: where its Java CPU goes (JFR execution samples)",
                    out.resolve(name + "-profile.png"));
        }
        Report.write(out, name, steps, checks, agreement, profile,
                new Report.Setup(users, items, rank, cohort, k, workers, stepSeconds, warmupSeconds, commonRate, sloMillis));
        System.out.println("wrote " + out.resolve(name + ".md") + ", " + name + ".csv, " + name + ".png, " + name + "-profile.png");
        if (agreement.values().stream().anyMatch(p -> !p.isEmpty())) {
            System.err.println("backends disagree: " + agreement);
            System.exit(1);
        }
    }

    private static void print(String what, OpenLoop.Result r) {
        System.out.printf("  %-11s offered %7.1f/s achieved %7.1f/s p50 %8.1f p99 %8.1f p999 %8.1f ms  ok %d 503 %d err %d timeout %d  cpu %.2f cores%n",
                what, r.offeredPerSecond(), r.achievedPerSecond(), r.percentileMillis(50), r.percentileMillis(99),
                r.percentileMillis(99.9), r.ok(), r.rejected(), r.errors(), r.timeouts(), r.serviceCores());
    }

    private static String answer(URI target, byte[] body) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(target).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("request failed: " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    /** The user ids of a body made by {@link #bodies}. */
    private static int[] users(byte[] body) {
        String s = new String(body, StandardCharsets.UTF_8);
        return Arrays.stream(s.substring(s.indexOf('[') + 1, s.indexOf(']')).split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** Request bodies over distinct random cohorts (the same on every run). */
    static byte[][] bodies(int users, int cohort, int k, int count) {
        SplitMix64 random = new SplitMix64(7);
        byte[][] bodies = new byte[count][];
        for (int b = 0; b < count; b++) {
            StringBuilder s = new StringBuilder("{\"k\":").append(k).append(",\"users\":[");
            for (int i = 0; i < cohort; i++) {
                s.append(i == 0 ? "" : ",").append(1 + random.nextInt(users));
            }
            bodies[b] = s.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        }
        return bodies;
    }

    /** Sequential requests for a while (the JIT warms up); the median seconds of the last ones. */
    private static double warmUp(URI target, byte[][] bodies, int seconds) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        List<Double> times = new ArrayList<>();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        for (int i = 0; times.size() < 5 || System.nanoTime() < end; i++) {
            long t = System.nanoTime();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(target).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bodies[i % bodies.length])).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("warm-up request failed: " + r.statusCode() + " " + r.body());
            }
            times.add((System.nanoTime() - t) / 1e9);
        }
        List<Double> last = new ArrayList<>(times.subList(Math.max(0, times.size() - 9), times.size()));
        last.sort(null);
        return last.get(last.size() / 2);
    }
}
