package io.github.matmulffm.examples.recommender;

import io.github.matmulffm.examples.recommender.loadgen.ServiceProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The service as its own process, stopped with SIGTERM while a slow request is in flight. */
class ShutdownTest {
    @TempDir
    Path dir;

    @Test
    void sigtermDrainsTheRequestInFlightBeforeExit() throws Exception {
        // The naive backend on a 1000-user cohort of 1000 items x 400 factors: long enough
        // (0.4 G multiply-adds) to still be in flight when the signal comes.
        List<String> flags = List.of("--backend", "naive", "--users", "1000", "--items", "1000", "--rank", "400",
                "--max-cohort", "1000", "--jdbc-url", "jdbc:h2:file:" + dir.resolve("factors"));
        try (ServiceProcess service = ServiceProcess.start(System.getProperty("java.class.path"), List.of("-Xmx512m"), flags, 120)) {
            int port = service.base.getPort();
            StringBuilder users = new StringBuilder();
            for (int u = 1; u <= 1000; u++) {
                users.append(u == 1 ? "" : ",").append(u);
            }
            CompletableFuture<Http.Reply> slow = Http.postAsync(port, "{\"k\": 3, \"users\": [" + users + "]}");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Http.get(port, "/metrics").response().body().contains("recommender_requests_in_flight 1.0")) {
                assertTrue(System.nanoTime() < deadline, "the request never started");
                Thread.sleep(5);
            }
            service.terminate();
            Http.Reply reply = slow.get(60, TimeUnit.SECONDS);
            assertEquals(200, reply.status(), reply.response().body());
            assertEquals(1000, reply.json().get("recommendations").size());
            // Refused once draining: 503 while the listener is open, or no connection once it closed.
            try {
                int status = Http.post(port, "application/json", "{\"k\": 3, \"users\": [1]}").status();
                assertEquals(503, status, "a new request was served during the drain");
            } catch (java.io.UncheckedIOException closed) {
                // the server stopped listening: also a refusal
            }
            assertTrue(service.process.waitFor(60, TimeUnit.SECONDS), "the service did not exit after SIGTERM");
            assertFalse(service.process.isAlive());
            List<String> output = service.output();
            assertTrue(output.contains("recommender stopped; 0 request(s) were still in flight"), String.join("\n", output));
            assertEquals(143, service.process.exitValue(), "exit status after SIGTERM (128 + 15)");
        }
    }
}
