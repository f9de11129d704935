package io.github.matmulffm.internal;

import java.util.function.Supplier;

/**
 * The thread budget of the calls made inside {@link io.github.matmulffm.Matmul#withThreads}:
 * a scoped value, so it belongs to the code that set it (a virtual thread keeps it when it
 * moves between carriers, a pool thread does not inherit it from a stranger) and is passed
 * to the kernel with each call, never stored in the kernel per OS thread.
 */
public final class ThreadBudget {
    private static final ScopedValue<Integer> BUDGET = ScopedValue.newInstance();

    private ThreadBudget() {
    }

    /** The budget in force, or 0 for none. */
    public static int current() {
        return BUDGET.isBound() ? BUDGET.get() : 0;
    }

    /** Runs {@code body} with at most {@code threads} threads per multiply; a nested budget can only narrow. */
    public static <T> T with(int threads, Supplier<T> body) {
        int outer = current();
        int budget = outer == 0 ? threads : Math.min(outer, threads);
        return ScopedValue.where(BUDGET, budget).call(body::get);
    }
}
