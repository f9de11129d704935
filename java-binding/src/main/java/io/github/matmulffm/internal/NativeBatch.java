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
        // A critical batch is below MM_PARALLEL_MIN_MNK in all (the kernel runs it on the
        // caller and takes no slot, so a budget could not change it), or a pooled run, which
        // is made only when no budget is in force (HeapBatch.productsPerPooledCall).
        int budget = critical ? 0 : ThreadBudget.current();
        String symbol = KernelLibrary.batchSymbol(type);
        int status;
        try {
            // Each handle is a constant at its own call site (see Downcalls).
            status = type == ElementType.F64
                    ? budget != 0 ? f64(Downcalls.DBATCH_BUDGETED, budget, batch, alpha, a, aLen, b, bLen, beta, c, cLen)
                    : critical ? f64(Downcalls.DBATCH_CRITICAL, 0, batch, alpha, a, aLen, b, bLen, beta, c, cLen)
                    : f64(Downcalls.DBATCH, 0, batch, alpha, a, aLen, b, bLen, beta, c, cLen)
                    : budget != 0 ? f32(Downcalls.SBATCH_BUDGETED, budget, batch, alpha, a, aLen, b, bLen, beta, c, cLen)
                    : critical ? f32(Downcalls.SBATCH_CRITICAL, 0, batch, alpha, a, aLen, b, bLen, beta, c, cLen)
                    : f32(Downcalls.SBATCH, 0, batch, alpha, a, aLen, b, bLen, beta, c, cLen);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new MatmulException(symbol + " failed: " + e, matmul_kernel_h.MM_ERR_INTERNAL());
        } finally {
            Downcalls.LIBRARY.keepAlive();
        }
        NativeStatus.check(symbol, status);
    }

    /** The f64 batch through {@code handle}; a budget other than 0 means the budgeted form. */
    private static int f64(MethodHandle handle, int budget, BatchShape batch, double alpha, MemorySegment a, long aLen,
                           MemorySegment b, long bLen, double beta, MemorySegment c, long cLen) throws Throwable {
        GemmShape s = batch.item();
        if (budget != 0) {
            return (int) handle.invokeExact(s.layout().cblasValue(), s.transA().cblasValue(), s.transB().cblasValue(),
                    s.m(), s.n(), s.k(), alpha, a, s.lda(), batch.strideA(), aLen, b, s.ldb(), batch.strideB(), bLen,
                    beta, c, s.ldc(), batch.strideC(), cLen, batch.count(), budget);
        }
        return (int) handle.invokeExact(s.layout().cblasValue(), s.transA().cblasValue(), s.transB().cblasValue(),
                s.m(), s.n(), s.k(), alpha, a, s.lda(), batch.strideA(), aLen, b, s.ldb(), batch.strideB(), bLen,
                beta, c, s.ldc(), batch.strideC(), cLen, batch.count());
    }

    private static int f32(MethodHandle handle, int budget, BatchShape batch, double alpha, MemorySegment a, long aLen,
                           MemorySegment b, long bLen, double beta, MemorySegment c, long cLen) throws Throwable {
        GemmShape s = batch.item();
        if (budget != 0) {
            return (int) handle.invokeExact(s.layout().cblasValue(), s.transA().cblasValue(), s.transB().cblasValue(),
                    s.m(), s.n(), s.k(), (float) alpha, a, s.lda(), batch.strideA(), aLen, b, s.ldb(), batch.strideB(), bLen,
                    (float) beta, c, s.ldc(), batch.strideC(), cLen, batch.count(), budget);
        }
        return (int) handle.invokeExact(s.layout().cblasValue(), s.transA().cblasValue(), s.transB().cblasValue(),
                s.m(), s.n(), s.k(), (float) alpha, a, s.lda(), batch.strideA(), aLen, b, s.ldb(), batch.strideB(), bLen,
                (float) beta, c, s.ldc(), batch.strideC(), cLen, batch.count());
    }
}
