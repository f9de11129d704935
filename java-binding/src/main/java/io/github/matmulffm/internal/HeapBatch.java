package io.github.matmulffm.internal;

import java.lang.foreign.MemorySegment;

/**
 * Strided batches over heap memory, with the policy of {@link HeapGemm}: a batch small in
 * work and in the memory it spans goes to the kernel in place (one critical downcall for
 * all its products); a larger one is staged off-heap, in chunked copies, so the garbage
 * collector is never held off for more than a short copy. Back from staging, only each
 * product's m x n window of C is written: other threads may own the gaps between them.
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

    private static long stagedBytes(MemorySegment segment) {
        return segment.isNative() ? 0 : segment.byteSize();
    }

    private static MemorySegment slice(MemorySegment whole, ElementType type, int offset, long span) {
        return span == 0 ? MemorySegment.NULL : whole.asSlice(offset * type.bytes(), span * type.bytes());
    }
}
