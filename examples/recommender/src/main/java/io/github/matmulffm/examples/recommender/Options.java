package io.github.matmulffm.examples.recommender;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The service's flags, {@code --name value} each. Sizes default to the case study's:
 * 500 factors, 500 items, and cohorts of up to 1000 users (the load generator sends 500,
 * so a request is one 500 x 500 x 500 product).
 */
public record Options(String backend, String host, int port, int users, int items, int rank, long seed,
                      String jdbcUrl, int workers, int queue, int maxCohort, int maxBodyBytes,
                      int kernelThreads, int drainSeconds) {

    static final String USAGE = """
            usage: java --enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector -jar recommender.jar [flags]
              --backend naive|tuned|vectorblas|heap|off-heap   (default off-heap)
              --host 127.0.0.1  --port 8080 (0: any free port)
              --users 2000  --items 500  --rank 500  --seed 42
              --jdbc-url URL       (default: an embedded H2 file under ./recommender-data;
                                    jdbc:postgresql://host/db?user=..&password=.. works too)
              --workers N          scoring threads (default: the core count)
              --queue N            requests waiting for a scoring thread before 503 (default 8 x workers)
              --max-cohort 1000  --max-body-bytes 65536
              --kernel-threads 1   threads of this library per request (parallelism comes from requests)
              --drain-seconds 30   how long SIGTERM waits for requests in flight
            """;

    public static Options parse(String... args) {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --flag value, got " + args[i] + "\n" + USAGE);
            }
            flags.put(args[i].substring(2), args[i + 1]);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        Options o = new Options(
                take(flags, "backend", "off-heap"),
                take(flags, "host", "127.0.0.1"),
                integer(flags, "port", 8080, 0, 65535),
                integer(flags, "users", 2000, 1, 10_000_000),
                integer(flags, "items", 500, 1, 10_000_000),
                integer(flags, "rank", 500, 1, 100_000),
                Long.parseLong(take(flags, "seed", "42")),
                take(flags, "jdbc-url", "jdbc:h2:file:" + Path.of("recommender-data", "factors").toAbsolutePath()),
                integer(flags, "workers", cores, 1, 4096),
                integer(flags, "queue", -1, 0, 1_000_000),
                integer(flags, "max-cohort", 1000, 1, 1_000_000),
                integer(flags, "max-body-bytes", 65536, 64, 1 << 30),
                integer(flags, "kernel-threads", 1, 1, 1024),
                integer(flags, "drain-seconds", 30, 0, 3600));
        if (!flags.isEmpty()) {
            throw new IllegalArgumentException("unknown flag(s) " + flags.keySet() + "\n" + USAGE);
        }
        if (!Scorer.BACKENDS.contains(o.backend)) {
            throw new IllegalArgumentException("--backend must be one of " + Scorer.BACKENDS + ", got " + o.backend);
        }
        return o.queue >= 0 ? o : o.withQueue(8 * o.workers);
    }

    Options withQueue(int queue) {
        return new Options(backend, host, port, users, items, rank, seed, jdbcUrl, workers, queue, maxCohort,
                maxBodyBytes, kernelThreads, drainSeconds);
    }

    private static String take(Map<String, String> flags, String name, String fallback) {
        String v = flags.remove(name);
        return v == null ? fallback : v;
    }

    private static int integer(Map<String, String> flags, String name, int fallback, int min, int max) {
        String v = flags.remove(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--" + name + " must be an integer in [" + min + ", " + max + "], got " + v);
    }
}
