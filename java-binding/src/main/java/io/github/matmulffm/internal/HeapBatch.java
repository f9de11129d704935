package io.github.matmulffm.internal;

import java.lang.foreign.MemorySegment;

/**
 * Strided batches over heap memory, with the critical-call limits of {@link HeapGemm}:
 * <ul>
 * <li>a batch small in work and in the memory it spans goes to the kernel in place, in one
 * critical downcall;</li>
 * <li>a batch of products that are each that small goes in place too, as consecutive runs
 * of products, each run one critical downcall within the limits: the collector is held
 * off for one run at a time, and no copy is made (for products of n = 8 to 64 a copy
 * costs more than the product). With no thread budget and more than one kernel thread
 * (no more than the cores), the runs may hold up to {@link HeapGemm.Pooled#MAX_MULTIPLY_ADDS}
 * and span up to {@link HeapGemm.Pooled#MAX_RUN_BYTES}, so that each reaches {@code
 * MM_PARALLEL_MIN_MNK} and the kernel spreads it over its pool; what is left below that
 * runs in critical-sized runs;</li>
 * <li>a batch of larger products is staged off-heap in chunked copies, run on the pool,
 * and only each product's m x n window of C is copied back: other threads may own the
 * gaps between them.</li>
 * </ul>
 * In place within the critical limits, a batch runs on the calling thread; off-heap
 * segments get the pool at every size.
 */
public final class HeapBatch {
    private HeapBatch() {
    }

    /** Whether a batch over heap memory is passed to the kernel in place (a critical call). */
    public static boolean usesCriticalCall(BatchShape batch, ElementType type) {
        double bytes = ((double) batch.aSpan() + batch.bSpan() + batch.cSpan()) * type.bytes();
        return batch.multiplyAdds() <= HeapGemm.CRITICAL_MAX_MULTIPLY_ADDS && bytes <= HeapGemm.CRITICAL_MAX_BYTES;
    }

    /** Arrays and offsets already checked by {@link Operands}. */
    public static void run(ElementType type, BatchShape batch, double alpha, Object a, int aOffset, Object b, int bOffset,
                           double beta, Object c, int cOffset) {
        run(type, batch, alpha, slice(type.wrap(a), type, aOffset, batch.aSpan()),
                slice(type.wrap(b), type, bOffset, batch.bSpan()), beta, slice(type.wrap(c), type, cOffset, batch.cSpan()));
    }

    /** Segments already sliced to their spans, at least one of them on the heap. */
    public static void run(ElementType type, BatchShape batch, double alpha, MemorySegment a, MemorySegment b,
                           double beta, MemorySegment c) {
        if (batch.isEmpty()) {
            return;
        }
        if (usesCriticalCall(batch, type)) {
            NativeBatch.call(type, true, batch, alpha, a, batch.aSpan(), b, batch.bSpan(), beta, c, batch.cSpan());
            return;
        }
        long critical = productsPerCriticalCall(batch, type);
        if (critical > 0) {
            inPlaceRuns(type, batch, productsPerPooledCall(batch, type), critical, alpha, a, b, beta, c);
            return;
        }
        long cBytes = c.isNative() ? 0 : batch.cSpan() * type.bytes();
        long bytes = ScratchBuffers.bytesFor(stagedBytes(a), stagedBytes(b), cBytes);
        try (ScratchBuffers.Scratch scratch = ScratchBuffers.acquire(bytes)) {
            MemorySegment aNative = scratch.offHeapCopy(a);
            MemorySegment bNative = scratch.offHeapCopy(b);
            if (c.isNative()) {
                NativeBatch.call(type, false, batch, alpha, aNative, batch.aSpan(), bNative, batch.bSpan(), beta, c, batch.cSpan());
                return;
            }
            // The whole span in (gaps included: reading them is harmless, and beta == 0 may
            // leave them unstaged), each product's window out.
            MemorySegment cNative = scratch.next(cBytes);
            if ((type == ElementType.F32 ? (float) beta : beta) != 0.0) {
                ScratchBuffers.copyInChunks(c, 0, cNative, 0, cBytes);
            }
            NativeBatch.call(type, false, batch, alpha, aNative, batch.aSpan(), bNative, batch.bSpan(), beta, cNative, batch.cSpan());
            GemmShape item = batch.item();
            long itemBytes = item.cReach() * type.bytes();
            long strideBytes = batch.strideC() * type.bytes();
            for (long i = 0; i < batch.count(); i++) {
                HeapGemm.copyWindow(cNative.asSlice(i * strideBytes, itemBytes), item.ldc(),
                        c.asSlice(i * strideBytes, itemBytes), item.ldc(), item, type);
            }
        }
    }

    /**
     * The most consecutive products one critical call may take within the limits, or 0 when
     * even one product is past them.
     */
    static long productsPerCriticalCall(BatchShape batch, ElementType type) {
        return productsWithin(batch, type, HeapGemm.CRITICAL_MAX_MULTIPLY_ADDS, HeapGemm.CRITICAL_MAX_BYTES);
    }

    /**
     * Products per in-place run on the kernel's pool, or 0 where the pool is not to be
     * taken in place ({@link HeapGemm.Pooled#spreadsRuns}) or a run within the limits
     * would stay below {@code MM_PARALLEL_MIN_MNK}, where the kernel runs it on the caller
     * anyway. The runs are evened out where that keeps the last one on the pool too (650
     * products of 32 x 32 x 32, 64 at most a run: ten runs of 64 would leave a last one of
     * 10 on the caller; ten of 60 and one of 50 do not); otherwise they are as long as the
     * limits allow, and only the last, shorter one runs on the caller.
     */
    static long productsPerPooledCall(BatchShape batch, ElementType type) {
        // Products past the critical limit are staged as a whole (a single one is, past 512 KiB).
        if (!HeapGemm.Pooled.spreadsRuns() || batch.item().multiplyAdds() > HeapGemm.CRITICAL_MAX_MULTIPLY_ADDS) {
            return 0;
        }
        long most = productsWithin(batch, type, HeapGemm.Pooled.MAX_MULTIPLY_ADDS, HeapGemm.Pooled.MAX_RUN_BYTES);
        long each = batch.item().multiplyAdds();
        if (most * each < HeapGemm.PARALLEL_MIN_MULTIPLY_ADDS) {
            return 0;
        }
        long runs = Math.ceilDiv(batch.count(), most);
        long even = Math.ceilDiv(batch.count(), runs);
        long last = batch.count() - (runs - 1) * even;
        return last * each >= HeapGemm.PARALLEL_MIN_MULTIPLY_ADDS ? even : most;
    }

    /**
     * The most consecutive products within both limits, or 0 when one product is past
     * them. A run of r products spans (r - 1) * stride + reach elements of each operand (a
     * shared one, stride 0, its reach alone).
     */
    private static long productsWithin(BatchShape batch, ElementType type, long maxMultiplyAdds, long maxBytes) {
        GemmShape item = batch.item();
        long reaches = item.aReach() + item.bReach() + item.cReach();
        long strides = batch.strideA() + batch.strideB() + batch.strideC();
        long elements = maxBytes / type.bytes();
        if (item.multiplyAdds() > maxMultiplyAdds || reaches > elements) {
            return 0;
        }
        long byWork = item.multiplyAdds() == 0 ? batch.count() : maxMultiplyAdds / item.multiplyAdds();
        long byBytes = strides == 0 ? batch.count() : 1 + (elements - reaches) / strides;
        return Math.max(1, Math.min(batch.count(), Math.min(byWork, byBytes)));
    }

    /**
     * Consecutive runs of {@code pooled} products (0: none) while what is left reaches the
     * pool, then runs of {@code critical}: a remainder the kernel would run on the caller
     * stays within the critical limits.
     */
    private static void inPlaceRuns(ElementType type, BatchShape batch, long pooled, long critical, double alpha,
                                    MemorySegment a, MemorySegment b, double beta, MemorySegment c) {
        long bytes = type.bytes();
        long run;
        for (long first = 0; first < batch.count(); first += run) {
            run = nextRun(batch.count() - first, batch.item().multiplyAdds(), pooled, critical);
            BatchShape part = batch.withCount(run);
            NativeBatch.call(type, true, part, alpha, from(a, first * batch.strideA() * bytes, part.aSpan() * bytes),
                    part.aSpan(), from(b, first * batch.strideB() * bytes, part.bSpan() * bytes), part.bSpan(), beta,
                    from(c, first * batch.strideC() * bytes, part.cSpan() * bytes), part.cSpan());
        }
    }

    /** The next run's products, {@code left} products of {@code each} multiply-adds still to run. */
    static long nextRun(long left, long each, long pooled, long critical) {
        long longest = Math.min(pooled, left);
        return pooled > 0 && longest * each >= HeapGemm.PARALLEL_MIN_MULTIPLY_ADDS ? longest : Math.min(critical, left);
    }

    private static MemorySegment from(MemorySegment whole, long offset, long bytes) {
        return bytes == 0 ? MemorySegment.NULL : whole.asSlice(offset, bytes);
    }

    private static long stagedBytes(MemorySegment segment) {
        return segment.isNative() ? 0 : segment.byteSize();
    }

    private static MemorySegment slice(MemorySegment whole, ElementType type, int offset, long span) {
        return span == 0 ? MemorySegment.NULL : whole.asSlice(offset * type.bytes(), span * type.bytes());
    }
}
