package io.github.matmulffm.internal;

import io.github.matmulffm.MatmulException;
import io.github.matmulffm.internal.ffi.matmul_kernel_h;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The GEMM downcalls of the kernel, through this class loader's {@link KernelLibrary}:
 * the plain handle for off-heap segments, the critical one (which accepts heap segments
 * and skips the thread-state transition) for small products on heap memory.
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

        Routine(ElementType elementType) {
            this.elementType = elementType;
        }

        public ElementType elementType() {
            return elementType;
        }

        String symbol() {
            return "mm_" + name().toLowerCase();
        }

        /** The budgeted form's symbol, or null for the naive loop (one thread always). */
        String budgetedSymbol() {
            return this == DGEMM_NAIVE ? null : symbol() + "_budgeted";
        }
    }

    private NativeGemm() {
    }

    /**
     * Calls the routine and maps a non-zero status to an exception.
     *
     * @param critical true to use the heap-access handle (required when any segment is on the heap)
     * @param aLen     elements the kernel may touch from {@code a} (likewise bLen, cLen)
     */
    public static void call(Routine routine, boolean critical, GemmShape shape, double alpha,
                            MemorySegment a, long aLen, MemorySegment b, long bLen,
                            double beta, MemorySegment c, long cLen) {
        KernelLibrary library = NativeLoader.library();
        // A critical call is below MM_PARALLEL_MIN_MNK, where the kernel takes no thread
        // slot: a budget could not change it, and it must never wait for one.
        int budget = critical ? 0 : ThreadBudget.current();
        MethodHandle handle = budget == 0 ? library.gemm(routine, critical) : library.budgetedGemm(routine);
        int layout = shape.layout().cblasValue();
        int transA = shape.transA().cblasValue();
        int transB = shape.transB().cblasValue();
        int status;
        try {
            if (budget == 0 && routine.elementType == ElementType.F64) {
                status = (int) handle.invokeExact(layout, transA, transB, shape.m(), shape.n(), shape.k(), alpha,
                        a, shape.lda(), aLen, b, shape.ldb(), bLen, beta, c, shape.ldc(), cLen);
            } else if (budget == 0) {
                status = (int) handle.invokeExact(layout, transA, transB, shape.m(), shape.n(), shape.k(), (float) alpha,
                        a, shape.lda(), aLen, b, shape.ldb(), bLen, (float) beta, c, shape.ldc(), cLen);
            } else if (routine.elementType == ElementType.F64) {
                status = (int) handle.invokeExact(layout, transA, transB, shape.m(), shape.n(), shape.k(), alpha,
                        a, shape.lda(), aLen, b, shape.ldb(), bLen, beta, c, shape.ldc(), cLen, budget);
            } else {
                status = (int) handle.invokeExact(layout, transA, transB, shape.m(), shape.n(), shape.k(), (float) alpha,
                        a, shape.lda(), aLen, b, shape.ldb(), bLen, (float) beta, c, shape.ldc(), cLen, budget);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new MatmulException(routine.symbol() + " failed: " + e, matmul_kernel_h.MM_ERR_INTERNAL());
        } finally {
            library.keepAlive();
        }
        NativeStatus.check(routine.symbol(), status);
    }
}
