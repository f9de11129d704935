package io.github.matmulffm.internal;

import io.github.matmulffm.internal.NativeGemm.Routine;
import io.github.matmulffm.internal.ffi.matmul_kernel_h;

import java.lang.foreign.MemorySegment;

/**
 * Products over heap memory (Java arrays, heap segments). Small ones are passed to the
 * kernel in place through a critical downcall; large ones are copied off-heap first,
 * because a critical call holds off the garbage collector for as long as it runs.
 */
public final class HeapGemm {
    /**
     * The ceiling of the critical path: a critical call must never block, and the kernel
     * may wait on its thread pool from {@code MM_PARALLEL_MIN_MNK} multiply-adds up.
     */
    static final long CRITICAL_CEILING = matmul_kernel_h.MM_PARALLEL_MIN_MNK() - 1L;

    /**
     * Above this many multiply-adds (64^3 by default, about ten microseconds of work) heap
     * operands are copied off-heap instead; {@code -Dmatmul.critical.maxMultiplyAdds} moves
     * it, within [0, MM_PARALLEL_MIN_MNK).
     */
    public static final long CRITICAL_MAX_MULTIPLY_ADDS =
            Math.clamp(Long.getLong("matmul.critical.maxMultiplyAdds", 1L << 18), 0, CRITICAL_CEILING);

    private HeapGemm() {
    }

    public static boolean usesCriticalCall(GemmShape shape) {
        return shape.multiplyAdds() <= CRITICAL_MAX_MULTIPLY_ADDS;
    }

    /** Arrays and offsets already checked by {@link Operands}. */
    public static void run(Routine routine, GemmShape shape, double alpha, Object a, int aOffset, Object b, int bOffset,
                           double beta, Object c, int cOffset) {
        if (shape.isEmpty()) {
            return;
        }
        ElementType type = routine.elementType();
        MemorySegment aSegment = slice(type.wrap(a), type, aOffset, shape.aReach());
        MemorySegment bSegment = slice(type.wrap(b), type, bOffset, shape.bReach());
        MemorySegment cSegment = slice(type.wrap(c), type, cOffset, shape.cReach());
        run(routine, shape, alpha, aSegment, bSegment, beta, cSegment);
    }

    /**
     * Segments already sliced to their reach, at least one of them on the heap. Off-heap
     * ones are passed through; heap ones are copied when the product is large.
     */
    public static void run(Routine routine, GemmShape shape, double alpha, MemorySegment a, MemorySegment b,
                           double beta, MemorySegment c) {
        ElementType type = routine.elementType();
        if (usesCriticalCall(shape)) {
            NativeGemm.call(routine, true, shape, alpha, a, shape.aReach(), b, shape.bReach(), beta, c, shape.cReach());
            return;
        }
        long bytes = ScratchBuffers.bytesFor(staged(a), staged(b), staged(c));
        try (ScratchBuffers.Scratch scratch = ScratchBuffers.acquire(bytes)) {
            MemorySegment aNative = scratch.offHeapCopy(a);
            MemorySegment bNative = scratch.offHeapCopy(b);
            // C is copied in whole (its padding too) so copying back cannot change the padding.
            MemorySegment cNative = scratch.offHeapCopy(c);
            NativeGemm.call(routine, false, shape, alpha, aNative, shape.aReach(), bNative, shape.bReach(),
                    beta, cNative, shape.cReach());
            if (cNative != c) {
                c.copyFrom(cNative);
            }
        }
    }

    private static long staged(MemorySegment segment) {
        return segment.isNative() ? 0 : segment.byteSize();
    }

    private static MemorySegment slice(MemorySegment whole, ElementType type, int offset, long reach) {
        return reach == 0 ? MemorySegment.NULL : whole.asSlice(offset * type.bytes(), reach * type.bytes());
    }

}
