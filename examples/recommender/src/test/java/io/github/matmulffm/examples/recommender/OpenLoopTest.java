package io.github.matmulffm.examples.recommender;

import com.sun.net.httpserver.HttpServer;
import io.github.matmulffm.examples.recommender.loadgen.OpenLoop;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The load generator is open-loop: a stalled server delays no send, and the stall shows in the latencies. */
class OpenLoopTest {
    @Test
    void aStallIsMeasuredFromTheIntendedSendTimes() throws Exception {
        // One server thread that answers at once except for one 600 ms stall: a
        // closed-loop client would send nothing during it and never see the queue.
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger served = new AtomicInteger();
        AtomicLong stallAt = new AtomicLong();
        server.createContext("/recommend", exchange -> {
            exchange.getRequestBody().readAllBytes();
            if (served.incrementAndGet() == 150) {
                stallAt.set(System.nanoTime());
                try {
                    Thread.sleep(600);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            exchange.sendResponseHeaders(200, 2);
            exchange.getResponseBody().write("{}".getBytes());
            exchange.close();
        });
        server.setExecutor(Executors.newSingleThreadExecutor());
        server.start();
        try {
            URI target = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/recommend");
            OpenLoop loop = new OpenLoop(target, new byte[][]{"{}".getBytes()}, Duration.ofSeconds(10));
            OpenLoop.Result r = loop.run(100, Duration.ofSeconds(1), Duration.ofSeconds(2), () -> -1);
            // Open loop: the count depends on the rate and the time only.
            assertEquals(200, r.sent());
            assertEquals(200, r.ok() + r.errors() + r.timeouts() + r.rejected());
            assertEquals(0, r.errors() + r.timeouts());
            // ~60 requests were due during the stall; the first waited ~600 ms, so well
            // over 1% of the 200 measured waited > 300 ms: p99 shows it, p50 does not.
            assertTrue(r.percentileMillis(99) > 300, "p99 " + r.percentileMillis(99) + " ms hides the stall");
            assertTrue(r.percentileMillis(100) >= 550, "max " + r.percentileMillis(100) + " ms");
            assertTrue(r.percentileMillis(50) < 300, "p50 " + r.percentileMillis(50) + " ms");
            assertEquals(100, r.offeredPerSecond());
            // Completions inside the window: the stall moves a few answers, not the rate.
            assertTrue(Math.abs(r.achievedPerSecond() - 100) <= 3, "achieved " + r.achievedPerSecond());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void onlyLoopbackTargets() {
        for (String host : new String[]{"10.0.0.1", "192.0.2.7", "[2001:db8::1]"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new OpenLoop(URI.create("http://" + host + ":8080/recommend"), new byte[][]{{}}, Duration.ofSeconds(1)));
            assertTrue(e.getMessage().contains("loopback"), e.getMessage());
        }
        new OpenLoop(URI.create("http://127.0.0.1:1/recommend"), new byte[][]{{}}, Duration.ofSeconds(1));
        new OpenLoop(URI.create("http://[::1]:1/recommend"), new byte[][]{{}}, Duration.ofSeconds(1));
    }
}
