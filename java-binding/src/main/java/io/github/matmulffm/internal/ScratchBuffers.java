package io.github.matmulffm.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Off-heap staging memory for the heap operands of large products, reused across calls.
 * A fresh allocation per call pays page faults and zeroing on every call, which on a
 * 500 x 500 product cost more than half the kernel's own time, and on a 2048 x 2048 one
 * (96 MiB staged) a tenth of the whole call. The pool keeps at most one buffer per core
 * and at most {@link #MAX_POOLED_BYTES} in all, so what is held stays bounded whatever the
 * number of calls, threads or cores; a request that does not fit gets memory of its own,
 * freed when the call ends. Pooled buffers live in automatic arenas: when the pool itself
 * becomes unreachable (its class loader was dropped), the garbage collector frees them.
 */
public final class ScratchBuffers {
    /**
     * The most memory the pool holds, all buffers together ({@code
     * -Dmatmul.scratch.maxPooledBytes}, 256 MiB by default: the staging of two 2048 x 2048
     * f64 products at once, or of one 4096 x 2048 one). A buffer is a power of two, so
     * one request of up to this size can be pooled.
     */
    static final long MAX_POOLED_BYTES = Math.max(0, Long.getLong("matmul.scratch.maxPooledBytes", 256L << 20));
    private static final int MAX_POOLED = Runtime.getRuntime().availableProcessors();
    private static final long ALIGNMENT = 64;
    private static final long MIN_BYTES = 1L << 20;

    private static final ConcurrentLinkedDeque<Scratch> FREE = new ConcurrentLinkedDeque<>();
    /** Pooled buffers in existence (free or handed out), and their bytes. */
    private static final AtomicInteger POOLED = new AtomicInteger();
    private static final AtomicLong POOLED_BYTES = new AtomicLong();
    /** Calls that staged operands: tests check which paths copy and which run in place. */
    private static final java.util.concurrent.atomic.LongAdder ACQUIRED = new java.util.concurrent.atomic.LongAdder();

    private ScratchBuffers() {
    }

    /** How many times scratch memory was acquired since the class was loaded. */
    static long acquisitions() {
        return ACQUIRED.sum();
    }

    /** Bytes to reserve for segments of these sizes carved one after another, each aligned. */
    public static long bytesFor(long... sizes) {
        long total = 0;
        for (long size : sizes) {
            total = Math.addExact(total, alignUp(size));
        }
        return total;
    }

    /** Bytes the pool holds now, in buffers free or handed out: never above {@link #MAX_POOLED_BYTES}. */
    static long pooledBytes() {
        return POOLED_BYTES.get();
    }

    /** Memory for one call, at least {@code bytes} long; give it back with {@link Scratch#close()}. */
    public static Scratch acquire(long bytes) {
        ACQUIRED.increment();
        if (bytes > MAX_POOLED_BYTES) {
            return new Scratch(Arena.ofConfined(), bytes, false);
        }
        Scratch scratch;
        while ((scratch = FREE.pollFirst()) != null) {
            if (scratch.memory.byteSize() >= bytes) {
                return scratch;
            }
            // Too small for this call: drop it (the collector frees it), so the pool
            // converges to the sizes in use.
            unpool(scratch.memory.byteSize());
        }
        long size = Math.min(MAX_POOLED_BYTES, Math.max(MIN_BYTES, Long.highestOneBit(bytes - 1) << 1));
        // Both counted first (a non-short-circuit |), so that either limit undoes both.
        if (POOLED.incrementAndGet() > MAX_POOLED | POOLED_BYTES.addAndGet(size) > MAX_POOLED_BYTES) {
            unpool(size);
            return new Scratch(Arena.ofConfined(), bytes, false);
        }
        return new Scratch(Arena.ofAuto(), size, true);
    }

    private static void unpool(long size) {
        POOLED.decrementAndGet();
        POOLED_BYTES.addAndGet(-size);
    }

    /**
     * One bulk copy between the heap and native memory is a single step for the JVM, with
     * no safepoint inside: a copy of hundreds of megabytes would hold every other thread at
     * the next safepoint. Chunks of {@link #COPY_CHUNK} bytes keep each step short.
     */
    static final long COPY_CHUNK = 1L << 20;

    public static void copyInChunks(MemorySegment from, long fromOffset, MemorySegment to, long toOffset, long bytes) {
        for (long done = 0; done < bytes; done += COPY_CHUNK) {
            MemorySegment.copy(from, fromOffset + done, to, toOffset + done, Math.min(COPY_CHUNK, bytes - done));
        }
    }

    private static long alignUp(long bytes) {
        return Math.addExact(bytes, ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** A buffer handed out for one call, carved into aligned segments with {@link #next}. */
    public static final class Scratch implements AutoCloseable {
        private final Arena arena;
        private final MemorySegment memory;
        private final boolean pooled;
        private long used;

        private Scratch(Arena arena, long bytes, boolean pooled) {
            this.arena = arena;
            this.memory = arena.allocate(bytes, ALIGNMENT);
            this.pooled = pooled;
        }

        /** The next {@code bytes} of the buffer, 64-byte aligned. Its contents are stale. */
        public MemorySegment next(long bytes) {
            MemorySegment segment = memory.asSlice(used, bytes);
            used += alignUp(bytes);
            return segment;
        }

        /** An off-heap copy of a heap segment, or the segment itself when it is already off-heap. */
        public MemorySegment offHeapCopy(MemorySegment segment) {
            if (segment.isNative()) {
                return segment;
            }
            MemorySegment copy = next(segment.byteSize());
            copyInChunks(segment, 0, copy, 0, segment.byteSize());
            return copy;
        }

        @Override
        public void close() {
            used = 0;
            if (pooled) {
                FREE.offerFirst(this);
            } else {
                arena.close();
            }
        }
    }
}
