package io.github.matmulffm.examples.recommender;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/** What an operator scrapes from {@code GET /metrics} (Prometheus text format, through Micrometer). */
final class ServiceMetrics implements AutoCloseable {
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final AtomicInteger inFlight = new AtomicInteger();
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Timer latency;
    private final Counter rejected;

    ServiceMetrics(String backend, IntSupplier queued) {
        latency = Timer.builder("recommender.request.latency")
                .description("time to answer POST /recommend, from the request's arrival")
                .tag("backend", backend)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        rejected = Counter.builder("recommender.requests.rejected")
                .description("requests answered 503 because the scoring queue was full or the service was draining")
                .tag("backend", backend)
                .register(registry);
        Gauge.builder("recommender.requests.in.flight", inFlight, AtomicInteger::get)
                .description("POST /recommend requests being answered now").register(registry);
        Gauge.builder("recommender.scoring.queue", queued::getAsInt)
                .description("requests waiting for a scoring thread").register(registry);
        Gauge.builder("recommender.backend", () -> 1).tag("backend", backend)
                .description("the scoring backend in use (always 1)").register(registry);
        new ProcessorMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
    }

    void recordLatency(long nanos) {
        latency.record(Duration.ofNanos(nanos));
    }

    void recordRejection() {
        rejected.increment();
    }

    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
