package io.github.matmulffm.internal;

import io.github.matmulffm.internal.NativeGemm.Routine;

import java.lang.invoke.MethodHandle;

/**
 * The product downcalls of this class loader's library, as constants. A {@code static
 * final} handle is folded into its call site by the JIT, which then inlines the downcall
 * stub; a handle read from an object or array at each call is not, and a tiny product pays
 * for the indirection (benchmarks/NOTES.md, "Tiny products"). One class per class loader,
 * like the library itself, so constants are no obstacle to several loaders at once.
 *
 * <p>Initialised on first use, which comes after {@link NativeLoader#library()} has
 * succeeded (every entry of {@code Matmul} loads the library first): a load failure keeps
 * its {@link io.github.matmulffm.NativeLibraryException} instead of turning into a
 * {@code NoClassDefFoundError} here.
 */
final class Downcalls {
    static final KernelLibrary LIBRARY = NativeLoader.library();

    static final MethodHandle DGEMM = LIBRARY.gemm(Routine.DGEMM, false);
    static final MethodHandle DGEMM_CRITICAL = LIBRARY.gemm(Routine.DGEMM, true);
    static final MethodHandle DGEMM_BUDGETED = LIBRARY.budgetedGemm(Routine.DGEMM);
    static final MethodHandle SGEMM = LIBRARY.gemm(Routine.SGEMM, false);
    static final MethodHandle SGEMM_CRITICAL = LIBRARY.gemm(Routine.SGEMM, true);
    static final MethodHandle SGEMM_BUDGETED = LIBRARY.budgetedGemm(Routine.SGEMM);
    static final MethodHandle DGEMM_NAIVE = LIBRARY.gemm(Routine.DGEMM_NAIVE, false);
    static final MethodHandle DGEMM_NAIVE_CRITICAL = LIBRARY.gemm(Routine.DGEMM_NAIVE, true);

    static final MethodHandle DBATCH = LIBRARY.batch(ElementType.F64, false);
    static final MethodHandle DBATCH_CRITICAL = LIBRARY.batch(ElementType.F64, true);
    static final MethodHandle DBATCH_BUDGETED = LIBRARY.budgetedBatch(ElementType.F64);
    static final MethodHandle SBATCH = LIBRARY.batch(ElementType.F32, false);
    static final MethodHandle SBATCH_CRITICAL = LIBRARY.batch(ElementType.F32, true);
    static final MethodHandle SBATCH_BUDGETED = LIBRARY.budgetedBatch(ElementType.F32);

    private Downcalls() {
    }
}
