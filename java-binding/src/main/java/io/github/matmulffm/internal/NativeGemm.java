package io.github.matmulffm.internal;

import io.github.matmulffm.MatmulException;
import io.github.matmulffm.internal.ffi.matmul_kernel_h;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The downcalls of the kernel. The generated bindings give the plain handles; the critical
 * ones (which accept heap segments and skip the thread-state transition) are built here
 * from the generated address and descriptor, since jextract emits no linker options.
 * Callers must have run {@link NativeLoader#ensureLoaded()} before the first {@link #call}.
 */
public final class NativeGemm {

    /** The three GEMM entry points, which share one signature per precision. */
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
    }

    /**
     * The handles, resolved on the first call rather than when {@link Routine} initialises:
     * Matmul names a routine before it loads the library, and the generated lookups find
     * symbols only once the library is loaded (else a process whose first call is dgemm
     * fails in a class initialiser, for good).
     */
    private static final class Handles {
        static final MethodHandle[] PLAIN = {
                matmul_kernel_h.mm_dgemm$handle(), matmul_kernel_h.mm_sgemm$handle(), matmul_kernel_h.mm_dgemm_naive$handle()};
        static final MethodHandle[] CRITICAL = {
                critical(matmul_kernel_h.mm_dgemm$address(), matmul_kernel_h.mm_dgemm$descriptor()),
                critical(matmul_kernel_h.mm_sgemm$address(), matmul_kernel_h.mm_sgemm$descriptor()),
                critical(matmul_kernel_h.mm_dgemm_naive$address(), matmul_kernel_h.mm_dgemm_naive$descriptor())};
    }

    private NativeGemm() {
    }

    private static MethodHandle critical(MemorySegment address, FunctionDescriptor descriptor) {
        return Linker.nativeLinker().downcallHandle(address, descriptor, Linker.Option.critical(true));
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
        MethodHandle handle = (critical ? Handles.CRITICAL : Handles.PLAIN)[routine.ordinal()];
        int layout = shape.layout().cblasValue();
        int transA = shape.transA().cblasValue();
        int transB = shape.transB().cblasValue();
        int status;
        try {
            if (routine.elementType == ElementType.F64) {
                status = (int) handle.invokeExact(layout, transA, transB, shape.m(), shape.n(), shape.k(), alpha,
                        a, shape.lda(), aLen, b, shape.ldb(), bLen, beta, c, shape.ldc(), cLen);
            } else {
                status = (int) handle.invokeExact(layout, transA, transB, shape.m(), shape.n(), shape.k(), (float) alpha,
                        a, shape.lda(), aLen, b, shape.ldb(), bLen, (float) beta, c, shape.ldc(), cLen);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new MatmulException(routine.symbol() + " failed: " + e, matmul_kernel_h.MM_ERR_INTERNAL());
        }
        NativeStatus.check(routine.symbol(), status);
    }
}
