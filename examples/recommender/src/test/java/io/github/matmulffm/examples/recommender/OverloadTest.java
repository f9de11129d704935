package io.github.matmulffm.examples.recommender;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A full scoring queue answers 503 with Retry-After at once; SIGTERM's drain finishes what is in flight. */
class OverloadTest {
    /** Scores nothing until released, so the test controls what is in flight. */
    static final class GatedScorer implements Scorer {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger started = new AtomicInteger();
        private final Scorer inner;

        GatedScorer(Factors f) {
            inner = Scorer.create("tuned", f);
        }

        @Override
        public String name() {
            return "gated";
        }

        @Override
        public List<Ranking> recommend(int[] userIds, int k) {
            started.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return inner.recommend(userIds, k);
        }
    }

    static final String BODY = "{\"users\": [1, 2], \"k\": 2}";

    static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void aFullQueueAnswers503AtOnce() throws Exception {
        Factors f = ScorerTest.random(10, 8, 4, 1);
        GatedScorer scorer = new GatedScorer(f);
        Options o = Options.parse("--port", "0", "--workers", "1", "--queue", "1");
        try (RecommenderService service = RecommenderService.start(o, f, scorer)) {
            int port = service.port();
            CompletableFuture<Http.Reply> running = Http.postAsync(port, BODY);
            await("the first request to start scoring", () -> scorer.started.get() == 1);
            CompletableFuture<Http.Reply> queued = Http.postAsync(port, BODY);
            await("the second request to queue", () -> Http.get(port, "/metrics").response().body().contains("recommender_scoring_queue 1.0"));

            long t = System.nanoTime();
            Http.Reply rejected = Http.post(port, "application/json", BODY);
            long millis = (System.nanoTime() - t) / 1_000_000;
            assertEquals(503, rejected.status());
            assertEquals("1", rejected.header("Retry-After"));
            assertTrue(rejected.json().get("error").asText().contains("queue is full"), rejected.json().toString());
            assertTrue(millis < 2000, "the 503 took " + millis + " ms: it must not wait for the queue");
            assertFalse(running.isDone() || queued.isDone(), "the gated requests finished early");
            assertTrue(Http.get(port, "/metrics").response().body().contains("recommender_requests_rejected_total{backend=\"gated\"} 1.0"));

            scorer.release.countDown();
            assertEquals(200, running.get(10, TimeUnit.SECONDS).status());
            assertEquals(200, queued.get(10, TimeUnit.SECONDS).status());
            assertEquals(200, Http.post(port, "application/json", BODY).status(), "served again once the queue drained");
        }
    }

    @Test
    void drainWaitsForRequestsInFlightAndRefusesNewOnes() throws Exception {
        Factors f = ScorerTest.random(10, 8, 4, 1);
        GatedScorer scorer = new GatedScorer(f);
        RecommenderService service = RecommenderService.start(Options.parse("--port", "0", "--workers", "1"), f, scorer);
        int port = service.port();
        CompletableFuture<Http.Reply> inFlight = Http.postAsync(port, BODY);
        await("the request to start scoring", () -> scorer.started.get() == 1);
        CompletableFuture<Integer> drained = CompletableFuture.supplyAsync(() -> service.drain(Duration.ofSeconds(20)));
        await("draining to begin", () -> Http.get(port, "/health").status() == 503);
        Http.Reply refused = Http.post(port, "application/json", BODY);
        assertEquals(503, refused.status());
        assertEquals("1", refused.header("Retry-After"));
        assertFalse(drained.isDone(), "drain returned with a request in flight");
        scorer.release.countDown();
        assertEquals(200, inFlight.get(10, TimeUnit.SECONDS).status(), "the request in flight was cut off");
        assertEquals(0, drained.get(20, TimeUnit.SECONDS), "requests left in flight");
    }
}
