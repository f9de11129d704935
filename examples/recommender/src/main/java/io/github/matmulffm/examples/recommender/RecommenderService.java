package io.github.matmulffm.examples.recommender;

import io.github.matmulffm.Matmul;
import io.helidon.common.socket.SocketOptions;
import io.helidon.webserver.WebServer;

import java.sql.SQLException;
import java.time.Duration;

/**
 * The recommendation service: factors from the database, one scorer, a bounded scoring
 * pool, and Helidon SE's web server (a virtual thread per request). SIGTERM stops taking
 * new requests (503), waits for those in flight, then stops the server.
 */
public final class RecommenderService implements AutoCloseable {
    private final Options options;
    private final Scorer scorer;
    private final ScoringPool pool;
    private final ServiceMetrics metrics;
    private final RecommendApi api;
    private final WebServer server;

    private RecommenderService(Options options, Factors factors, Scorer scorer) {
        this.options = options;
        this.scorer = scorer;
        pool = new ScoringPool(options.workers(), options.queue());
        metrics = new ServiceMetrics(scorer.name(), pool::queued);
        api = new RecommendApi(scorer, factors, options, pool, metrics);
        server = WebServer.builder()
                .host(options.host())
                .port(options.port())
                .shutdownHook(false) // ours drains first (see drain)
                // Headers and body leave in separate writes: without TCP_NODELAY the body
                // waits for the client's delayed ACK (40 ms on Linux).
                .connectionOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .routing(api::routes)
                .build()
                .start();
    }

    /** Loads the factors named by {@code options} and starts the service. */
    public static RecommenderService start(Options options) throws SQLException {
        Factors factors = FactorStore.open(options.jdbcUrl(), options.users(), options.items(), options.rank(), options.seed());
        if (options.backend().equals("heap") || options.backend().equals("off-heap")) {
            Matmul.setThreads(options.kernelThreads());
        }
        return start(options, factors, Scorer.create(options.backend(), factors));
    }

    /** Starts the service over a given scorer (tests use one that blocks). */
    static RecommenderService start(Options options, Factors factors, Scorer scorer) {
        return new RecommenderService(options, factors, scorer);
    }

    public int port() {
        return server.port();
    }

    public String backend() {
        return scorer.name();
    }

    /**
     * Stops taking requests (they get 503 with Retry-After), waits up to {@code timeout}
     * for those in flight, then stops the server; returns how many were still in flight.
     */
    public int drain(Duration timeout) {
        api.draining.set(true);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (metrics.inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = metrics.inFlight.get();
        close();
        return left;
    }

    @Override
    public void close() {
        api.draining.set(true);
        server.stop();
        pool.close();
        scorer.close();
        metrics.close();
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        long started = System.nanoTime();
        RecommenderService service = start(options);
        String blas = service.scorer instanceof VectorBlasScorer v ? " (" + v.implementation() + ")" : "";
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            int left = service.drain(Duration.ofSeconds(options.drainSeconds()));
            System.out.println("recommender stopped; " + left + " request(s) were still in flight");
            System.out.flush();
        }, "drain"));
        System.out.printf("recommender listening on http://%s:%d backend=%s%s users=%d items=%d rank=%d workers=%d queue=%d (started in %d ms)%n",
                options.host(), service.port(), service.backend(), blas, options.users(), options.items(), options.rank(),
                options.workers(), options.queue(), (System.nanoTime() - started) / 1_000_000);
        System.out.flush();
    }
}
