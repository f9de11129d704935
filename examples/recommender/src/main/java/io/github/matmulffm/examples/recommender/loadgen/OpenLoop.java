package io.github.matmulffm.examples.recommender.loadgen;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * An open-loop load generator: requests leave at a fixed arrival rate whatever the
 * responses do, and each latency is measured from the request's <em>intended</em> send
 * time, so a slow answer delays no later request and hides no queueing (no coordinated
 * omission). Bounded in count and time, and loopback only: it is a measuring tool, not a
 * way to flood a host.
 */
public final class OpenLoop {
    /**
     * What one step at one offered rate measured. Requests are counted (ok, rejected, ...)
     * and their latencies recorded, in microseconds, if they were due in the measured
     * window; the achieved rate counts the 200s that <em>completed</em> in it, so a backlog
     * served after the window does not inflate it.
     */
    public record Result(double offeredPerSecond, double achievedPerSecond, long sent, long ok, long rejected,
                         long errors, long timeouts, Histogram latencyMicros, double serviceCores) {
        public double percentileMillis(double p) {
            return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getValueAtPercentile(p) / 1000.0;
        }
    }

    private final HttpClient client;
    private final URI target;
    private final byte[][] bodies;
    private final Duration timeout;

    /** Requests go to {@code target} with the given JSON bodies in turn. */
    public OpenLoop(URI target, byte[][] bodies, Duration timeout) {
        requireLoopback(target);
        if (bodies.length == 0) {
            throw new IllegalArgumentException("no request bodies");
        }
        this.target = target;
        this.bodies = bodies.clone();
        this.timeout = timeout;
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    static void requireLoopback(URI target) {
        try {
            if (!InetAddress.getByName(target.getHost()).isLoopbackAddress()) {
                throw new IllegalArgumentException("the load generator only targets loopback addresses, not " + target.getHost());
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + target.getHost(), e);
        }
    }

    /**
     * Sends {@code rate} requests per second for {@code warmup + measure}; records the
     * responses to requests intended after the warm-up, and waits at most the timeout for
     * the last ones. {@code serviceCpuNanos} reads the service's CPU time (or returns -1).
     */
    public Result run(double rate, Duration warmup, Duration measure, LongSupplier serviceCpuNanos) {
        long interval = Math.max(1, (long) (1e9 / rate));
        long total = (long) Math.ceil((warmup.toNanos() + measure.toNanos()) / (double) interval);
        Recorder recorder = new Recorder(3); // auto-resizing: a late answer is never out of range
        AtomicLong ok = new AtomicLong(), rejected = new AtomicLong(), errors = new AtomicLong(), timeouts = new AtomicLong();
        AtomicLong measured = new AtomicLong(), completedInWindow = new AtomicLong();
        HttpRequest[] requests = new HttpRequest[bodies.length];
        for (int b = 0; b < bodies.length; b++) {
            requests[b] = HttpRequest.newBuilder(target).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bodies[b])).build();
        }

        long start = System.nanoTime() + 10_000_000;
        long measureFrom = start + warmup.toNanos();
        long measureTo = measureFrom + measure.toNanos();
        long cpuBefore = -1;
        CompletableFuture<?>[] inFlight = new CompletableFuture<?>[(int) Math.min(total, Integer.MAX_VALUE)];
        for (int i = 0; i < inFlight.length; i++) {
            long intended = start + i * interval;
            // Sleep until the intended time; if late, send at once (the latency still
            // counts from the intended time).
            for (long wait; (wait = intended - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(wait);
            }
            if (cpuBefore < 0 && intended >= measureFrom) {
                cpuBefore = serviceCpuNanos.getAsLong();
            }
            boolean counted = intended >= measureFrom && intended < measureTo;
            if (counted) {
                measured.incrementAndGet();
            }
            inFlight[i] = client.sendAsync(requests[i % requests.length], HttpResponse.BodyHandlers.discarding()).handle((response, failure) -> {
                long now = System.nanoTime(), latency = now - intended;
                if (failure == null && response.statusCode() == 200 && now >= measureFrom && now < measureTo) {
                    completedInWindow.incrementAndGet();
                }
                if (!counted) {
                    return null;
                }
                if (failure != null) {
                    Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                    (cause instanceof HttpTimeoutException ? timeouts : errors).incrementAndGet();
                } else if (response.statusCode() == 200) {
                    ok.incrementAndGet();
                    recorder.recordValue(Math.max(1, latency / 1000));
                } else if (response.statusCode() == 503) {
                    rejected.incrementAndGet();
                } else {
                    errors.incrementAndGet();
                }
                return null;
            });
        }
        long cpuAfter = serviceCpuNanos.getAsLong();
        long wallAfter = System.nanoTime();
        try {
            CompletableFuture.allOf(inFlight).get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // Answers still missing after the timeout were counted as timeouts by the client.
        }
        double window = measure.toNanos() / 1e9;
        double cores = cpuBefore < 0 || cpuAfter < 0 ? Double.NaN : (cpuAfter - cpuBefore) / (double) (wallAfter - measureFrom);
        return new Result(rate, completedInWindow.get() / window, measured.get(), ok.get(), rejected.get(), errors.get(), timeouts.get(),
                recorder.getIntervalHistogram(), cores);
    }
}
