package io.github.matmulffm.internal;

import io.github.matmulffm.MatmulException;
import io.github.matmulffm.internal.ffi.matmul_kernel_h;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The strided batch downcalls ({@code mm_dgemm_batch_strided}, {@code mm_sgemm_batch_strided}):
 * the plain handle for off-heap segments, the critical one for small batches on heap
 * memory, the budgeted one when a thread budget is in force.
 */
public final class NativeBatch {
    private NativeBatch() {
    }

    /**
     * Calls the batch entry point of {@code type} and maps a non-zero status to an exception.
     *
     * @param critical true to use the heap-access handle (required when any segment is on the heap)
     * @param aLen     elements the kernel may touch from {@code a} (likewise bLen, cLen)
     */
    public static void call(ElementType type, boolean critical, BatchShape batch, double alpha,
                            MemorySegment a, long aLen, MemorySegment b, long bLen,
                            double beta, MemorySegment c, long cLen) {
        KernelLibrary library = NativeLoader.library();
        // A critical batch is below MM_PARALLEL_MIN_MNK in all: the kernel runs it on the
        // caller and takes no slot, so a budget could not change it.
        int budget = critical ? 0 : ThreadBudget.current();
        MethodHandle handle = budget == 0 ? library.batch(type, critical) : library.budgetedBatch(type);
        GemmShape s = batch.item();
        int layout = s.layout().cblasValue();
        int transA = s.transA().cblasValue();
        int transB = s.transB().cblasValue();
        String symbol = KernelLibrary.batchSymbol(type);
        int status;
        try {
            if (budget == 0 && type == ElementType.F64) {
                status = (int) handle.invokeExact(layout, transA, transB, s.m(), s.n(), s.k(), alpha,
                        a, s.lda(), batch.strideA(), aLen, b, s.ldb(), batch.strideB(), bLen,
                        beta, c, s.ldc(), batch.strideC(), cLen, batch.count());
            } else if (budget == 0) {
                status = (int) handle.invokeExact(layout, transA, transB, s.m(), s.n(), s.k(), (float) alpha,
                        a, s.lda(), batch.strideA(), aLen, b, s.ldb(), batch.strideB(), bLen,
                        (float) beta, c, s.ldc(), batch.strideC(), cLen, batch.count());
            } else if (type == ElementType.F64) {
                status = (int) handle.invokeExact(layout, transA, transB, s.m(), s.n(), s.k(), alpha,
                        a, s.lda(), batch.strideA(), aLen, b, s.ldb(), batch.strideB(), bLen,
                        beta, c, s.ldc(), batch.strideC(), cLen, batch.count(), budget);
            } else {
                status = (int) handle.invokeExact(layout, transA, transB, s.m(), s.n(), s.k(), (float) alpha,
                        a, s.lda(), batch.strideA(), aLen, b, s.ldb(), batch.strideB(), bLen,
                        (float) beta, c, s.ldc(), batch.strideC(), cLen, batch.count(), budget);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new MatmulException(symbol + " failed: " + e, matmul_kernel_h.MM_ERR_INTERNAL());
        } finally {
            library.keepAlive();
        }
        NativeStatus.check(symbol, status);
    }
}
