package io.github.matmulffm.examples.recommender;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounded place where scoring runs: a fixed number of platform threads and a fixed
 * queue in front of them. Requests arrive on virtual threads (one each, cheap while they
 * wait); the CPU-bound product does not run on them, because a native downcall pins its
 * carrier and the scheduler has only as many carriers as cores, and because a bound on
 * work in progress is what turns overload into a quick 503 instead of a growing heap and
 * growing latency. A full queue rejects at once.
 */
final class ScoringPool implements AutoCloseable {
    /** Thrown when the queue is full or the service is draining. */
    static final class Overloaded extends RuntimeException {
        Overloaded(String message) {
            super(message, null, false, false);
        }
    }

    private final ThreadPoolExecutor executor;

    ScoringPool(int workers, int queue) {
        AtomicInteger ids = new AtomicInteger();
        executor = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.SECONDS,
                queue == 0 ? new java.util.concurrent.SynchronousQueue<>() : new ArrayBlockingQueue<>(queue),
                r -> {
                    Thread t = new Thread(r, "scoring-" + ids.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.AbortPolicy());
        executor.prestartAllCoreThreads();
    }

    <T> Future<T> submit(Callable<T> work) {
        try {
            return executor.submit(work);
        } catch (RejectedExecutionException e) {
            throw new Overloaded(executor.isShutdown() ? "the service is shutting down" : "all scoring threads are busy and the queue is full");
        }
    }

    int queued() {
        return executor.getQueue().size();
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
