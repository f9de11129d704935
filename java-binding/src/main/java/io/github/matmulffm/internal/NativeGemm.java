package io.github.matmulffm.internal;

import io.github.matmulffm.MatmulException;
import io.github.matmulffm.internal.ffi.matmul_kernel_h;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * The GEMM downcalls of the kernel, through this class loader's {@link KernelLibrary}:
 * the plain handle, with the caller's thread budget, for products past the critical
 * limits on off-heap segments; the critical one (which accepts heap segments and skips
 * the thread-state transition) for products within them, on any memory.
 */
public final class NativeGemm {

    /**
     * The three GEMM entry points, which share one signature per precision. The optimised
     * two also have a budgeted form, which takes the caller's thread budget last.
     */
    public enum Routine {
        DGEMM(ElementType.F64),
        SGEMM(ElementType.F32),
        DGEMM_NAIVE(ElementType.F64);

        private final ElementType elementType;
        private final String symbol;

        Routine(ElementType elementType) {
            this.elementType = elementType;
            // Locale.ROOT: under a Turkish default locale "I" lower-cases to a dotless "ı",
            // and "mm_dgemm_naıve" named no symbol, so the library did not load at all.
            // Built once: every call passes it to its status check, and building it there
            // (a concatenation and a lower-casing) was a quarter of a 8 x 8 x 8 call.
            this.symbol = "mm_" + name().toLowerCase(Locale.ROOT);
        }

        public ElementType elementType() {
            return elementType;
        }

        String symbol() {
            return symbol;
        }

        /** The budgeted form's symbol, or null for the naive loop (one thread always). */
        String budgetedSymbol() {
            return this == DGEMM_NAIVE ? null : symbol() + "_budgeted";
        }
    }

    private NativeGemm() {
    }

    /**
     * Calls the routine on off-heap segments with the caller's thread budget, and maps a
     * non-zero status to an exception.
     *
     * @param aLen elements the kernel may touch from {@code a} (likewise bLen, cLen)
     */
    public static void call(Routine routine, GemmShape shape, double alpha, MemorySegment a, long aLen,
                            MemorySegment b, long bLen, double beta, MemorySegment c, long cLen) {
        int budget = ThreadBudget.current();
        int status;
        try {
            // Each handle is a constant at its own call site (see Downcalls).
            status = switch (routine) {
                case DGEMM -> budget != 0 ? f64(Downcalls.DGEMM_BUDGETED, budget, shape, alpha, a, aLen, b, bLen, beta, c, cLen)
                        : f64(Downcalls.DGEMM, shape, alpha, a, aLen, b, bLen, beta, c, cLen);
                case SGEMM -> budget != 0 ? f32(Downcalls.SGEMM_BUDGETED, budget, shape, alpha, a, aLen, b, bLen, beta, c, cLen)
                        : f32(Downcalls.SGEMM, shape, alpha, a, aLen, b, bLen, beta, c, cLen);
                // One thread always: the naive loop has no budgeted form.
                case DGEMM_NAIVE -> f64(Downcalls.DGEMM_NAIVE, shape, alpha, a, aLen, b, bLen, beta, c, cLen);
            };
        } catch (Throwable e) {
            throw failure(routine, e);
        } finally {
            Downcalls.LIBRARY.keepAlive();
        }
        NativeStatus.check(routine.symbol(), status);
    }

    /**
     * A product within the critical limits ({@link HeapGemm#usesCriticalCall}, or on heap
     * memory {@link HeapGemm#runsInPlace}) on any memory, each segment holding its
     * operand's reach from its first element: one critical downcall, which skips the
     * thread-state transitions. No budget is passed: either the product is below {@code
     * MM_PARALLEL_MIN_MNK} (the kernel runs it on this thread alone, which no budget could
     * change), or there is no budget (it takes the free slots and never waits for one). Kept
     * apart from {@link #call} and small, so the JIT inlines it into the caller and the
     * shape never leaves registers: on a 8 x 8 x 8 product the call's fixed cost is most
     * of the time.
     */
    public static void callInPlace(Routine routine, GemmShape shape, double alpha, MemorySegment a, MemorySegment b,
                                   double beta, MemorySegment c) {
        int status;
        try {
            status = switch (routine) {
                case DGEMM -> f64(Downcalls.DGEMM_CRITICAL, shape, alpha, a, shape.aReach(), b, shape.bReach(), beta, c,
                        shape.cReach());
                case SGEMM -> f32(Downcalls.SGEMM_CRITICAL, shape, alpha, a, shape.aReach(), b, shape.bReach(), beta, c,
                        shape.cReach());
                case DGEMM_NAIVE -> f64(Downcalls.DGEMM_NAIVE_CRITICAL, shape, alpha, a, shape.aReach(), b,
                        shape.bReach(), beta, c, shape.cReach());
            };
        } catch (Throwable e) {
            throw failure(routine, e);
        } finally {
            Downcalls.LIBRARY.keepAlive();
        }
        NativeStatus.check(routine.symbol(), status);
    }

    /** What a downcall threw, as the caller sees it: unchecked ones as they are. */
    private static RuntimeException failure(Routine routine, Throwable e) {
        if (e instanceof RuntimeException unchecked) {
            return unchecked;
        }
        if (e instanceof Error error) {
            throw error;
        }
        return new MatmulException(routine.symbol() + " failed: " + e, matmul_kernel_h.MM_ERR_INTERNAL());
    }

    private static int f64(MethodHandle handle, GemmShape s, double alpha, MemorySegment a, long aLen,
                           MemorySegment b, long bLen, double beta, MemorySegment c, long cLen) throws Throwable {
        return (int) handle.invokeExact(s.layout().cblasValue(), s.transA().cblasValue(), s.transB().cblasValue(),
                s.m(), s.n(), s.k(), alpha, a, s.lda(), aLen, b, s.ldb(), bLen, beta, c, s.ldc(), cLen);
    }

    private static int f64(MethodHandle handle, int budget, GemmShape s, double alpha, MemorySegment a, long aLen,
                           MemorySegment b, long bLen, double beta, MemorySegment c, long cLen) throws Throwable {
        return (int) handle.invokeExact(s.layout().cblasValue(), s.transA().cblasValue(), s.transB().cblasValue(),
                s.m(), s.n(), s.k(), alpha, a, s.lda(), aLen, b, s.ldb(), bLen, beta, c, s.ldc(), cLen, budget);
    }

    private static int f32(MethodHandle handle, GemmShape s, double alpha, MemorySegment a, long aLen,
                           MemorySegment b, long bLen, double beta, MemorySegment c, long cLen) throws Throwable {
        return (int) handle.invokeExact(s.layout().cblasValue(), s.transA().cblasValue(), s.transB().cblasValue(),
                s.m(), s.n(), s.k(), (float) alpha, a, s.lda(), aLen, b, s.ldb(), bLen, (float) beta, c, s.ldc(), cLen);
    }

    private static int f32(MethodHandle handle, int budget, GemmShape s, double alpha, MemorySegment a, long aLen,
                           MemorySegment b, long bLen, double beta, MemorySegment c, long cLen) throws Throwable {
        return (int) handle.invokeExact(s.layout().cblasValue(), s.transA().cblasValue(), s.transB().cblasValue(),
                s.m(), s.n(), s.k(), (float) alpha, a, s.lda(), aLen, b, s.ldb(), bLen, (float) beta, c, s.ldc(), cLen,
                budget);
    }
}
