package io.github.matmulffm.internal;

import io.github.matmulffm.Layout;
import io.github.matmulffm.internal.NativeGemm.Routine;
import io.github.matmulffm.internal.ffi.matmul_kernel_h;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Products over heap memory (Java arrays, heap segments). A critical downcall, which reads
 * the arrays in place, holds off the garbage collector for as long as it runs: it is used
 * only for products that are small both in work and in the memory they touch. Larger ones
 * are staged off-heap, except thin ones, which run in place as a series of such calls
 * ({@link ThinSlices}); products that only scale C (k == 0 or alpha == 0) run in Java, as
 * do tiny ones ({@link TinyGemm}).
 *
 * <p>Every path reads and writes C only inside the m x n window that (offset, ldc)
 * describes: other threads may be writing the elements between its rows or columns (two
 * threads filling disjoint column blocks of one shared C is the usual way to split a
 * product), so nothing outside the window may be written back, not even with the value
 * it had when it was read.
 */
public final class HeapGemm {
    /**
     * The ceiling of the critical path: a critical call must never block, and the kernel
     * may wait on its thread pool from {@code MM_PARALLEL_MIN_MNK} multiply-adds up.
     */
    static final long CRITICAL_CEILING = matmul_kernel_h.MM_PARALLEL_MIN_MNK() - 1L;

    /** From this many multiply-adds the kernel spreads a call (or a batch) over its pool. */
    static final long PARALLEL_MIN_MULTIPLY_ADDS = CRITICAL_CEILING + 1;

    /**
     * Above this many multiply-adds (64^3 by default, about ten microseconds of work) heap
     * operands are copied off-heap instead; {@code -Dmatmul.critical.maxMultiplyAdds} moves
     * it, within [0, MM_PARALLEL_MIN_MNK).
     */
    public static final long CRITICAL_MAX_MULTIPLY_ADDS =
            Math.clamp(Long.getLong("matmul.critical.maxMultiplyAdds", 1L << 18), 0, CRITICAL_CEILING);

    /**
     * Above this many bytes spanned by A, B and C together (512 KiB by default, tens of
     * microseconds of memory traffic) heap operands are staged off-heap too, whatever the
     * work: a thin product (a 1 x 1 x 262144 dot product) is little work over a lot of
     * memory. {@code -Dmatmul.critical.maxBytes} moves it.
     */
    public static final long CRITICAL_MAX_BYTES = Math.max(0, Long.getLong("matmul.critical.maxBytes", 512L << 10));

    private HeapGemm() {
    }

    /**
     * A single product over heap arrays with no thread budget runs in place up to this many
     * multiply-adds (128^3 by default, {@code -Dmatmul.critical.maxPooledMultiplyAdds}),
     * within {@link #CRITICAL_MAX_BYTES}: past {@code MM_PARALLEL_MIN_MNK} the kernel runs
     * it on its pool, yet such a call takes only the slots that are free and never waits
     * behind another call (rust-kernel/src/slots.rs), only for its own parts: it holds the
     * collector off for its own time, ~0.1 ms on one AVX2 core, half that on two, a tenth
     * of the 1 ms pause budget, plus, where a worker that claimed a part is preempted, the
     * time until the OS runs that worker again. So it is not taken where the thread setting
     * is above the core count, which makes that the rule. Staged instead, a 100^3 product
     * at two threads paid 40% for the copies and for reading them from the other core
     * (benchmarks/NOTES.md). A budgeted call may wait for a slot, and the portable kernel
     * and the naive loop are several times slower: they keep {@link
     * #CRITICAL_MAX_MULTIPLY_ADDS}. Thin products within these limits are one such call too,
     * not a series of {@link ThinSlices}.
     */
    static final class Pooled {
        static final long MAX_MULTIPLY_ADDS = NativeLoader.library().kernelName().equals("generic")
                ? CRITICAL_MAX_MULTIPLY_ADDS
                : Math.clamp(Long.getLong("matmul.critical.maxPooledMultiplyAdds", 1L << 21), CRITICAL_MAX_MULTIPLY_ADDS,
                        1L << 24);

        /**
         * The bytes one in-place run on the pool may span: a heap batch's run of products, a
         * thin product's band (4 MiB by default, {@code -Dmatmul.critical.maxPooledRunBytes},
         * at least {@link #CRITICAL_MAX_BYTES}). Runs must reach {@code MM_PARALLEL_MIN_MNK}
         * to be spread: 1728 products of 8 x 8 x 8 (2.6 MB), 111 rows of a 4000 x 8 x 1000
         * panel (0.9 MB); an f64 matrix x vector or outer product would need 7-8 MB bands.
         * With 8 MiB runs (which took those too) the worst time to safepoint beside an
         * allocating thread reached 3-4 ms for a batch and for an outer product; with 4 MiB,
         * 0.2-0.8 ms (benchmarks/NOTES.md).
         */
        static final long MAX_RUN_BYTES = Math.max(CRITICAL_MAX_BYTES,
                Long.getLong("matmul.critical.maxPooledRunBytes", 4L << 20));

        private Pooled() {
        }

        /**
         * Whether an in-place call may take the pool now: no thread budget (a budgeted call
         * may wait for a slot) and no more kernel threads than cores (a preempted worker would
         * hold up the collector).
         */
        static boolean allowed() {
            return allowed(Downcalls.LIBRARY.numThreads());
        }

        private static boolean allowed(int kernelThreads) {
            return ThreadBudget.current() == 0 && kernelThreads <= Runtime.getRuntime().availableProcessors();
        }

        /**
         * Whether runs of work larger than a critical call (a batch's products, a thin
         * product's bands) are to be made for the pool now: {@link #allowed}, two or more
         * kernel threads to spread them over, and a kernel that takes more than the critical
         * limit in place (not the portable one).
         */
        static boolean spreadsRuns() {
            if (MAX_MULTIPLY_ADDS <= CRITICAL_MAX_MULTIPLY_ADDS) {
                return false;
            }
            // One downcall for the setting, read once.
            int kernelThreads = Downcalls.LIBRARY.numThreads();
            return kernelThreads >= 2 && allowed(kernelThreads);
        }
    }

    /**
     * Whether a product is passed to the kernel in place (a critical call) on any memory,
     * off-heap included (where it only saves the thread-state transition): small in work
     * and in the bytes it spans, and below {@code MM_PARALLEL_MIN_MNK}, so it never takes
     * a slot, whatever the thread budget.
     */
    public static boolean usesCriticalCall(GemmShape shape, ElementType type) {
        return shape.multiplyAdds() <= CRITICAL_MAX_MULTIPLY_ADDS && spannedBytes(shape, type) <= CRITICAL_MAX_BYTES;
    }

    /**
     * Whether a product over heap memory runs in place: {@link #usesCriticalCall}, or, with
     * no thread budget, an optimised routine and no more threads than cores, up to {@link
     * Pooled#MAX_MULTIPLY_ADDS} on the kernel's threads.
     */
    public static boolean runsInPlace(Routine routine, GemmShape shape, ElementType type) {
        if (usesCriticalCall(shape, type)) {
            return true;
        }
        return routine != Routine.DGEMM_NAIVE && shape.multiplyAdds() <= Pooled.MAX_MULTIPLY_ADDS
                && spannedBytes(shape, type) <= CRITICAL_MAX_BYTES && Pooled.allowed();
    }

    /** Bytes from the first to the last element of A, B and C: what a call may touch. */
    static long spannedBytes(GemmShape shape, ElementType type) {
        // Reaches are below 2^63 each, so their sum fits before the multiplication saturates.
        double total = ((double) shape.aReach() + shape.bReach() + shape.cReach()) * type.bytes();
        return total >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) total;
    }

    /** Arrays and offsets already checked by {@link Operands}. */
    public static void run(Routine routine, GemmShape shape, double alpha, Object a, int aOffset, Object b, int bOffset,
                           double beta, Object c, int cOffset) {
        if (shape.isEmpty()) {
            return;
        }
        ElementType type = routine.elementType();
        if (routine != Routine.DGEMM_NAIVE && TinyGemm.takes(shape, type, alpha, true)) {
            TinyGemm.run(type, shape, alpha, a, aOffset, b, bOffset, beta, c, cOffset);
            return;
        }
        MemorySegment aSegment = slice(type.wrap(a), type, aOffset, shape.aReach());
        MemorySegment bSegment = slice(type.wrap(b), type, bOffset, shape.bReach());
        MemorySegment cSegment = slice(type.wrap(c), type, cOffset, shape.cReach());
        if (runsInPlace(routine, shape, type) && (routine == Routine.DGEMM_NAIVE || !skipsProduct(shape, type, alpha))) {
            // The common small case straight to the downcall, in few enough bytecodes that the
            // JIT inlines it all and the segments above are never allocated (through the
            // general method below they were: a fifth of a 8 x 8 x 8 call).
            NativeGemm.callInPlace(routine, shape, alpha, aSegment, bSegment, beta, cSegment);
            return;
        }
        run(routine, shape, alpha, aSegment, bSegment, beta, cSegment);
    }

    /**
     * Segments already sliced to their reach, at least one of them on the heap. Off-heap
     * ones are passed through; heap ones are copied when the product is large.
     */
    public static void run(Routine routine, GemmShape shape, double alpha, MemorySegment a, MemorySegment b,
                           double beta, MemorySegment c) {
        ElementType type = routine.elementType();
        if (routine != Routine.DGEMM_NAIVE && skipsProduct(shape, type, alpha)) {
            // C := beta * C, A and B unread: memory-bound work that Java does as fast, and
            // with safepoint polls, however large C is.
            scaleWindow(c, shape, type, beta);
            return;
        }
        if (routine != Routine.DGEMM_NAIVE && TinyGemm.takes(shape, type, alpha, false)) {
            TinyGemm.run(type, shape, alpha, a, b, beta, c);
            return;
        }
        if (runsInPlace(routine, shape, type)) {
            NativeGemm.callInPlace(routine, shape, alpha, a, b, beta, c);
            return;
        }
        ThinSlices.Plan slices = routine == Routine.DGEMM_NAIVE ? null : ThinSlices.plan(shape, type);
        if (slices != null) {
            ThinSlices.run(slices, routine, shape, alpha, a, b, beta, c);
            return;
        }
        GemmShape staged = shape.withCompactC();
        // beta == 0 never reads C (it may hold NaN): no need to stage what is there.
        boolean readsC = (type == ElementType.F32 ? (float) beta : beta) != 0.0;
        long cBytes = c.isNative() ? 0 : staged.cReach() * type.bytes();
        long bytes = ScratchBuffers.bytesFor(stagedBytes(a), stagedBytes(b), cBytes);
        try (ScratchBuffers.Scratch scratch = ScratchBuffers.acquire(bytes)) {
            MemorySegment aNative = scratch.offHeapCopy(a);
            MemorySegment bNative = scratch.offHeapCopy(b);
            if (c.isNative()) {
                NativeGemm.call(routine, shape, alpha, aNative, shape.aReach(), bNative, shape.bReach(),
                        beta, c, shape.cReach());
                return;
            }
            MemorySegment cNative = scratch.next(cBytes);
            if (readsC) {
                copyWindow(c, shape.ldc(), cNative, staged.ldc(), shape, type);
            }
            NativeGemm.call(routine, staged, alpha, aNative, shape.aReach(), bNative, shape.bReach(),
                    beta, cNative, staged.cReach());
            copyWindow(cNative, staged.ldc(), c, shape.ldc(), shape, type);
        }
    }

    /** BLAS's quick return: no product to form when k == 0 or alpha (in the call's precision) == 0. */
    static boolean skipsProduct(GemmShape shape, ElementType type, double alpha) {
        double effective = type == ElementType.F32 ? (float) alpha : alpha;
        return shape.k() == 0 || effective == 0.0;
    }

    /** C := beta * C over the m x n window; beta == 0 writes zeros without reading C. */
    static void scaleWindow(MemorySegment c, GemmShape shape, ElementType type, double beta) {
        double effective = type == ElementType.F32 ? (float) beta : beta;
        if (effective == 1.0) {
            return;
        }
        long lines = lines(shape);
        long lineLength = lineLength(shape);
        long bytes = type.bytes();
        for (long line = 0; line < lines; line++) {
            MemorySegment run = c.asSlice(line * shape.ldc() * bytes, lineLength * bytes);
            if (effective == 0.0) {
                // In chunks, like the copies: one fill of a long line has no safepoint inside.
                for (long done = 0; done < run.byteSize(); done += ScratchBuffers.COPY_CHUNK) {
                    run.asSlice(done, Math.min(ScratchBuffers.COPY_CHUNK, run.byteSize() - done)).fill((byte) 0);
                }
            } else if (type == ElementType.F64) {
                for (long i = 0; i < lineLength; i++) {
                    run.setAtIndex(ValueLayout.JAVA_DOUBLE, i, beta * run.getAtIndex(ValueLayout.JAVA_DOUBLE, i));
                }
            } else {
                float betaF = (float) beta;
                for (long i = 0; i < lineLength; i++) {
                    run.setAtIndex(ValueLayout.JAVA_FLOAT, i, betaF * run.getAtIndex(ValueLayout.JAVA_FLOAT, i));
                }
            }
        }
    }

    /** Copies the m x n window of C between two buffers with their own leading dimensions. */
    static void copyWindow(MemorySegment from, long fromLd, MemorySegment to, long toLd, GemmShape shape, ElementType type) {
        long lines = lines(shape);
        long lineLength = lineLength(shape);
        long lineBytes = lineLength * type.bytes();
        if (fromLd == lineLength && toLd == lineLength) {
            // No padding on either side: the window is one run.
            ScratchBuffers.copyInChunks(from, 0, to, 0, lines * lineBytes);
            return;
        }
        for (long line = 0; line < lines; line++) {
            ScratchBuffers.copyInChunks(from, line * fromLd * type.bytes(), to, line * toLd * type.bytes(), lineBytes);
        }
    }

    /** C's stored lines: rows in row-major, columns in column-major. */
    private static long lines(GemmShape shape) {
        return shape.layout() == Layout.ROW_MAJOR ? shape.m() : shape.n();
    }

    private static long lineLength(GemmShape shape) {
        return shape.layout() == Layout.ROW_MAJOR ? shape.n() : shape.m();
    }

    private static long stagedBytes(MemorySegment segment) {
        return segment.isNative() ? 0 : segment.byteSize();
    }

    private static MemorySegment slice(MemorySegment whole, ElementType type, int offset, long reach) {
        return reach == 0 ? MemorySegment.NULL : whole.asSlice(offset * type.bytes(), reach * type.bytes());
    }
}
