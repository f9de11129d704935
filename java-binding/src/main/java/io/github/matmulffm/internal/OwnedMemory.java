package io.github.matmulffm.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Off-heap memory owned by one Java object (an {@code OffHeapMatrix}): freed at once by
 * {@link #free()}, or by a cleaner once the owner has been collected without it.
 *
 * <p>A dropped owner is a few dozen bytes of heap, so heap pressure alone may never
 * collect it while its native memory piles up. As {@code java.nio}'s direct buffers do,
 * an allocation that takes the memory held by live owners past a budget (the maximum
 * heap size, then twice what was held after the last attempt) first asks for a garbage
 * collection and gives the cleaners a moment to free what was dropped.
 */
public final class OwnedMemory {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong HELD = new AtomicLong();
    private static final long BASE_BUDGET = Runtime.getRuntime().maxMemory();
    private static final Object RECLAIM_LOCK = new Object();
    private static volatile long budget = BASE_BUDGET;

    private final Release release;
    private final Cleaner.Cleanable cleanable;
    private final MemorySegment segment;

    /** What the cleaner runs: it must not refer to the owner, or the owner never becomes unreachable. */
    private static final class Release implements Runnable {
        private final Arena arena;
        private final long bytes;
        private final AtomicBoolean released = new AtomicBoolean();

        Release(Arena arena, long bytes) {
            this.arena = arena;
            this.bytes = bytes;
        }

        /** The cleaner's call, once the owner is gone: nothing can be using the memory then. */
        @Override
        public void run() {
            try {
                close();
            } catch (IllegalStateException inUse) {
                // Only a segment kept past its owner can still be in use: it stays allocated.
            }
        }

        /** Frees the memory once; throws IllegalStateException (freeing nothing) while a downcall uses it. */
        synchronized void close() {
            if (arena.scope().isAlive()) {
                arena.close();
            }
            if (released.compareAndSet(false, true)) {
                long held = HELD.addAndGet(-bytes);
                if (held < budget / 4) {
                    budget = Math.max(BASE_BUDGET, 2 * held);
                }
            }
        }
    }

    private OwnedMemory(Object owner, long bytes, long alignment) {
        reserve(bytes);
        Arena arena = Arena.ofShared();
        try {
            segment = arena.allocate(bytes, alignment);
        } catch (RuntimeException | Error e) {
            arena.close();
            HELD.addAndGet(-bytes);
            throw e;
        }
        release = new Release(arena, bytes);
        cleanable = CLEANER.register(owner, release);
    }

    /** Zeroed memory of {@code bytes}, freed when {@code owner} is collected unless {@link #free()}d first. */
    public static OwnedMemory allocate(Object owner, long bytes, long alignment) {
        return new OwnedMemory(owner, bytes, alignment);
    }

    public MemorySegment segment() {
        return segment;
    }

    public boolean isFreed() {
        return !release.arena.scope().isAlive();
    }

    /**
     * Frees the memory now; a second call does nothing.
     *
     * @throws IllegalStateException while a native call is using the memory (nothing is freed)
     */
    public void free() {
        try {
            release.close();
        } catch (IllegalStateException e) {
            throw new IllegalStateException("cannot free this memory while a multiply is using it", e);
        }
        // Deregisters the cleaner; its run is a no-op now.
        cleanable.clean();
    }

    /** Bytes held now by owners not yet freed (closed or collected). */
    public static long heldBytes() {
        return HELD.get();
    }

    private static void reserve(long bytes) {
        if (HELD.addAndGet(bytes) <= budget) {
            return;
        }
        synchronized (RECLAIM_LOCK) {
            if (HELD.get() <= budget) {
                return;
            }
            System.gc();
            // The cleaners run on their own thread once the collector has found the owners.
            long deadline = System.nanoTime() + 100_000_000L;
            while (HELD.get() > budget && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            budget = Math.max(BASE_BUDGET, 2 * HELD.get());
        }
    }
}
