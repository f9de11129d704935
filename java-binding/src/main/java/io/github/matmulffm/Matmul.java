package io.github.matmulffm;

import io.github.matmulffm.internal.BatchShape;
import io.github.matmulffm.internal.ElementType;
import io.github.matmulffm.internal.GemmShape;
import io.github.matmulffm.internal.HeapBatch;
import io.github.matmulffm.internal.HeapGemm;
import io.github.matmulffm.internal.KernelLibrary;
import io.github.matmulffm.internal.NativeBatch;
import io.github.matmulffm.internal.NativeGemm;
import io.github.matmulffm.internal.NativeGemm.Routine;
import io.github.matmulffm.internal.NativeLoader;
import io.github.matmulffm.internal.NativeStatus;
import io.github.matmulffm.internal.Operands;
import io.github.matmulffm.internal.ScratchBuffers;
import io.github.matmulffm.internal.ThreadBudget;
import io.github.matmulffm.internal.TinyGemm;
import io.github.matmulffm.internal.ffi.matmul_kernel_h;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Matrix multiplication through the native kernel: C := alpha * op(A) * op(B) + beta * C,
 * with BLAS semantics (beta == 0 never reads C; alpha == 0 or k == 0 never reads A or B).
 *
 * <p>Every method checks its arguments in Java first and throws {@link NullPointerException},
 * {@link IllegalArgumentException} or {@link IndexOutOfBoundsException} naming the bad one.
 * NaN and infinite values, in the matrices or in alpha and beta, are accepted and propagate
 * as IEEE arithmetic does. All methods are safe to call from many threads at once.
 */
public final class Matmul {
    private static final Logger LOG = LoggerFactory.getLogger(Matmul.class);
    private static volatile boolean announced;

    private Matmul() {
    }

    // ---------------------------------------------------------------- double[][]

    /**
     * Returns A * B for rectangular, non-empty {@code double[][]} matrices.
     *
     * @throws NullPointerException     if a matrix or one of its rows is null
     * @throws IllegalArgumentException if a matrix is empty or jagged, or the inner dimensions differ
     */
    public static double[][] multiply(double[][] a, double[][] b) {
        int k = checkRectangular("A", a);
        int n = checkRectangular("B", b);
        int m = a.length;
        if (b.length != k) {
            throw new IllegalArgumentException("Incompatible dimensions: A is " + m + "x" + k + ", B is " + b.length + "x" + n);
        }
        ready();
        GemmShape shape = GemmShape.of(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, m, n, k, k, n, n);
        if (HeapGemm.runsInPlace(Routine.DGEMM, shape, ElementType.F64)) {
            double[] c = new double[m * n];
            HeapGemm.run(Routine.DGEMM, shape, 1.0, flatten(a, k), 0, flatten(b, n), 0, 0.0, c, 0);
            return unflatten(MemorySegment.ofArray(c), m, n);
        }
        // Rows go straight to off-heap memory: one copy in, one out, no pinned heap.
        long aBytes = shape.aReach() * Double.BYTES, bBytes = shape.bReach() * Double.BYTES, cBytes = shape.cReach() * Double.BYTES;
        try (ScratchBuffers.Scratch scratch = ScratchBuffers.acquire(ScratchBuffers.bytesFor(aBytes, bBytes, cBytes))) {
            MemorySegment aSegment = toSegment(scratch.next(aBytes), a, k);
            MemorySegment bSegment = toSegment(scratch.next(bBytes), b, n);
            MemorySegment cSegment = scratch.next(cBytes);
            NativeGemm.call(Routine.DGEMM, shape, 1.0, aSegment, shape.aReach(), bSegment, shape.bReach(),
                    0.0, cSegment, shape.cReach());
            return unflatten(cSegment, m, n);
        }
    }

    /** Checks a {@code double[][]} is non-null, non-empty and rectangular; returns its column count. */
    static int checkRectangular(String name, double[][] matrix) {
        if (matrix == null) {
            throw new NullPointerException("Matrix " + name + " cannot be null");
        }
        if (matrix.length == 0) {
            throw new IllegalArgumentException("Matrix " + name + " cannot be empty");
        }
        for (int row = 0; row < matrix.length; row++) {
            if (matrix[row] == null) {
                throw new NullPointerException("Matrix " + name + " row " + row + " is null");
            }
        }
        int columns = matrix[0].length;
        if (columns == 0) {
            throw new IllegalArgumentException("Matrix " + name + " cannot be empty");
        }
        for (int row = 1; row < matrix.length; row++) {
            if (matrix[row].length != columns) {
                throw new IllegalArgumentException("Matrix " + name + " row " + row + " has length "
                        + matrix[row].length + ", expected " + columns);
            }
        }
        return columns;
    }

    private static double[] flatten(double[][] matrix, int columns) {
        double[] flat = new double[Math.multiplyExact(matrix.length, columns)];
        for (int row = 0; row < matrix.length; row++) {
            System.arraycopy(matrix[row], 0, flat, row * columns, columns);
        }
        return flat;
    }

    private static MemorySegment toSegment(MemorySegment segment, double[][] matrix, int columns) {
        for (int row = 0; row < matrix.length; row++) {
            MemorySegment.copy(matrix[row], 0, segment, ValueLayout.JAVA_DOUBLE, (long) row * columns * Double.BYTES, columns);
        }
        return segment;
    }

    static double[][] unflatten(MemorySegment flat, int rows, int columns) {
        double[][] matrix = new double[rows][columns];
        for (int row = 0; row < rows; row++) {
            MemorySegment.copy(flat, ValueLayout.JAVA_DOUBLE, (long) row * columns * Double.BYTES, matrix[row], 0, columns);
        }
        return matrix;
    }

    // ---------------------------------------------------------------- double[] / float[]

    /**
     * DGEMM over Java arrays: C := alpha * op(A) * op(B) + beta * C, where op(A) is m x k,
     * op(B) is k x n and C is m x n, each stored from its offset with its leading dimension.
     * Small products run on the arrays in place, and so do thin ones (m, n or k at most 8:
     * dot products, matrix x vector, outer products) as a series of short calls; other large
     * ones are copied off-heap, so the garbage collector is never held off for a whole multiply.
     */
    public static void dgemm(Layout layout, Transpose transA, Transpose transB, int m, int n, int k,
                             double alpha, double[] a, int aOffset, int lda, double[] b, int bOffset, int ldb,
                             double beta, double[] c, int cOffset, int ldc) {
        arrays(Routine.DGEMM, layout, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    /** {@link #dgemm(Layout, Transpose, Transpose, int, int, int, double, double[], int, int, double[], int, int, double, double[], int, int)} with all offsets 0. */
    public static void dgemm(Layout layout, Transpose transA, Transpose transB, int m, int n, int k,
                             double alpha, double[] a, int lda, double[] b, int ldb, double beta, double[] c, int ldc) {
        dgemm(layout, transA, transB, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, ldc);
    }

    /** SGEMM over Java arrays; same contract as the {@code double[]} DGEMM. */
    public static void sgemm(Layout layout, Transpose transA, Transpose transB, int m, int n, int k,
                             float alpha, float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                             float beta, float[] c, int cOffset, int ldc) {
        arrays(Routine.SGEMM, layout, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    /** SGEMM over Java arrays with all offsets 0. */
    public static void sgemm(Layout layout, Transpose transA, Transpose transB, int m, int n, int k,
                             float alpha, float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc) {
        sgemm(layout, transA, transB, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, ldc);
    }

    /**
     * The kernel's textbook i-j-k loop (no FMA, k in order) with the DGEMM contract: the
     * reference of the parity tests and the benchmarks' "rust-naive". Slow on purpose.
     */
    public static void dgemmNaive(Layout layout, Transpose transA, Transpose transB, int m, int n, int k,
                                  double alpha, double[] a, int aOffset, int lda, double[] b, int bOffset, int ldb,
                                  double beta, double[] c, int cOffset, int ldc) {
        arrays(Routine.DGEMM_NAIVE, layout, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    private static void arrays(Routine routine, Layout layout, Transpose transA, Transpose transB, int m, int n, int k,
                               double alpha, Object a, int aOffset, int lda, Object b, int bOffset, int ldb,
                               double beta, Object c, int cOffset, int ldc) {
        GemmShape shape = GemmShape.of(layout, transA, transB, m, n, k, lda, ldb, ldc);
        ElementType type = routine.elementType();
        Operands.checkArray("a", type, a, aOffset, shape.aReach(), shape);
        Operands.checkArray("b", type, b, bOffset, shape.bReach(), shape);
        Operands.checkArray("c", type, c, cOffset, shape.cReach(), shape);
        Operands.checkNoOverlap(c, cOffset, shape, a, aOffset, "a");
        Operands.checkNoOverlap(c, cOffset, shape, b, bOffset, "b");
        ready();
        HeapGemm.run(routine, shape, alpha, a, aOffset, b, bOffset, beta, c, cOffset);
    }

    // ---------------------------------------------------------------- MemorySegment

    /**
     * DGEMM over memory segments, each holding its matrix from its first byte. Off-heap
     * segments are passed to the kernel as they are (zero copy); heap segments follow the
     * arrays' policy. Segments must be alive, accessible from this thread, aligned to 8
     * bytes, large enough for the described matrices, and C must be writable.
     */
    public static void dgemm(Layout layout, Transpose transA, Transpose transB, long m, long n, long k,
                             double alpha, MemorySegment a, long lda, MemorySegment b, long ldb,
                             double beta, MemorySegment c, long ldc) {
        segments(Routine.DGEMM, layout, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /** SGEMM over memory segments; same contract as the segment DGEMM, 4-byte alignment. */
    public static void sgemm(Layout layout, Transpose transA, Transpose transB, long m, long n, long k,
                             float alpha, MemorySegment a, long lda, MemorySegment b, long ldb,
                             float beta, MemorySegment c, long ldc) {
        segments(Routine.SGEMM, layout, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /** The naive reference loop over memory segments (see {@link #dgemmNaive}). */
    public static void dgemmNaive(Layout layout, Transpose transA, Transpose transB, long m, long n, long k,
                                  double alpha, MemorySegment a, long lda, MemorySegment b, long ldb,
                                  double beta, MemorySegment c, long ldc) {
        segments(Routine.DGEMM_NAIVE, layout, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    private static void segments(Routine routine, Layout layout, Transpose transA, Transpose transB, long m, long n,
                                 long k, double alpha, MemorySegment a, long lda, MemorySegment b, long ldb,
                                 double beta, MemorySegment c, long ldc) {
        GemmShape shape = GemmShape.of(layout, transA, transB, m, n, k, lda, ldb, ldc);
        ElementType type = routine.elementType();
        Operands.checkSegment("a", type, a, shape.aReach(), shape, false);
        Operands.checkSegment("b", type, b, shape.bReach(), shape, false);
        Operands.checkSegment("c", type, c, shape.cReach(), shape, true);
        long bytes = type.bytes();
        Operands.checkNoOverlap(c, shape, a, "a", type);
        Operands.checkNoOverlap(c, shape, b, "b", type);
        if (shape.isEmpty()) {
            return;
        }
        ready();
        if (a.isNative() && b.isNative() && c.isNative()) {
            if (routine != Routine.DGEMM_NAIVE && TinyGemm.takes(shape, type, alpha, false)) {
                TinyGemm.run(type, shape, alpha, a, b, beta, c);
                return;
            }
            if (HeapGemm.usesCriticalCall(shape, type)) {
                NativeGemm.callInPlace(routine, shape, alpha, a, b, beta, c);
                return;
            }
            NativeGemm.call(routine, shape, alpha, a, a.byteSize() / bytes, b, b.byteSize() / bytes,
                    beta, c, c.byteSize() / bytes);
        } else {
            HeapGemm.run(routine, shape, alpha, reachOf(a, shape.aReach(), bytes), reachOf(b, shape.bReach(), bytes),
                    beta, reachOf(c, shape.cReach(), bytes));
        }
    }

    private static MemorySegment reachOf(MemorySegment segment, long reach, long bytes) {
        return reach == 0 ? MemorySegment.NULL : segment.asSlice(0, reach * bytes);
    }

    // ---------------------------------------------------------------- batches

    /**
     * A strided batch of DGEMMs over Java arrays, in one call: for {@code i < batchCount},
     * C_i := alpha * op(A_i) * op(B_i) + beta * C_i, where X_i starts at
     * {@code xOffset + i * strideX} in its array. A stride of 0 for A or B shares one matrix
     * across the batch (many inputs against one weight matrix). C's matrices must not
     * share an element with each other nor with any matrix of A or B. The whole batch is
     * checked before anything is written, and each product's result is bit for bit that of
     * the same {@link #dgemm} call; the products are spread over the kernel's threads.
     *
     * @throws IllegalArgumentException  if batchCount or a stride is negative, or C's matrices overlap
     * @throws IndexOutOfBoundsException if an array is too short for its last matrix
     */
    public static void dgemmBatch(Layout layout, Transpose transA, Transpose transB, int m, int n, int k,
                                  double alpha, double[] a, int aOffset, int lda, int strideA,
                                  double[] b, int bOffset, int ldb, int strideB,
                                  double beta, double[] c, int cOffset, int ldc, int strideC, int batchCount) {
        arrayBatch(ElementType.F64, layout, transA, transB, m, n, k, alpha, a, aOffset, lda, strideA,
                b, bOffset, ldb, strideB, beta, c, cOffset, ldc, strideC, batchCount);
    }

    /** A strided batch of SGEMMs over Java arrays; same contract as the {@code double[]} batch. */
    public static void sgemmBatch(Layout layout, Transpose transA, Transpose transB, int m, int n, int k,
                                  float alpha, float[] a, int aOffset, int lda, int strideA,
                                  float[] b, int bOffset, int ldb, int strideB,
                                  float beta, float[] c, int cOffset, int ldc, int strideC, int batchCount) {
        arrayBatch(ElementType.F32, layout, transA, transB, m, n, k, alpha, a, aOffset, lda, strideA,
                b, bOffset, ldb, strideB, beta, c, cOffset, ldc, strideC, batchCount);
    }

    /**
     * A strided batch of DGEMMs over memory segments, matrix i of each operand starting
     * {@code i * stride} elements after the segment's first byte; same rules as the
     * {@code double[]} batch. Off-heap segments are passed as they are (zero copy).
     */
    public static void dgemmBatch(Layout layout, Transpose transA, Transpose transB, long m, long n, long k,
                                  double alpha, MemorySegment a, long lda, long strideA,
                                  MemorySegment b, long ldb, long strideB,
                                  double beta, MemorySegment c, long ldc, long strideC, long batchCount) {
        segmentBatch(ElementType.F64, layout, transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB,
                beta, c, ldc, strideC, batchCount);
    }

    /** A strided batch of SGEMMs over memory segments (4-byte alignment). */
    public static void sgemmBatch(Layout layout, Transpose transA, Transpose transB, long m, long n, long k,
                                  float alpha, MemorySegment a, long lda, long strideA,
                                  MemorySegment b, long ldb, long strideB,
                                  float beta, MemorySegment c, long ldc, long strideC, long batchCount) {
        segmentBatch(ElementType.F32, layout, transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB,
                beta, c, ldc, strideC, batchCount);
    }

    private static void arrayBatch(ElementType type, Layout layout, Transpose transA, Transpose transB, int m, int n, int k,
                                   double alpha, Object a, int aOffset, int lda, int strideA,
                                   Object b, int bOffset, int ldb, int strideB,
                                   double beta, Object c, int cOffset, int ldc, int strideC, int batchCount) {
        BatchShape batch = BatchShape.of(GemmShape.of(layout, transA, transB, m, n, k, lda, ldb, ldc),
                strideA, strideB, strideC, batchCount);
        Operands.checkArray("a", type, a, aOffset, batch);
        Operands.checkArray("b", type, b, bOffset, batch);
        Operands.checkArray("c", type, c, cOffset, batch);
        Operands.checkNoOverlap(c, cOffset, batch, a, aOffset, "a");
        Operands.checkNoOverlap(c, cOffset, batch, b, bOffset, "b");
        if (batch.isEmpty()) {
            return;
        }
        ready();
        HeapBatch.run(type, batch, alpha, a, aOffset, b, bOffset, beta, c, cOffset);
    }

    private static void segmentBatch(ElementType type, Layout layout, Transpose transA, Transpose transB, long m, long n,
                                     long k, double alpha, MemorySegment a, long lda, long strideA,
                                     MemorySegment b, long ldb, long strideB,
                                     double beta, MemorySegment c, long ldc, long strideC, long batchCount) {
        BatchShape batch = BatchShape.of(GemmShape.of(layout, transA, transB, m, n, k, lda, ldb, ldc),
                strideA, strideB, strideC, batchCount);
        Operands.checkSegment("a", type, a, batch, false);
        Operands.checkSegment("b", type, b, batch, false);
        Operands.checkSegment("c", type, c, batch, true);
        Operands.checkNoOverlap(c, batch, a, "a", type);
        Operands.checkNoOverlap(c, batch, b, "b", type);
        if (batch.isEmpty()) {
            return;
        }
        ready();
        long bytes = type.bytes();
        if (a.isNative() && b.isNative() && c.isNative()) {
            NativeBatch.call(type, false, batch, alpha, a, a.byteSize() / bytes, b, b.byteSize() / bytes,
                    beta, c, c.byteSize() / bytes);
        } else {
            HeapBatch.run(type, batch, alpha, reachOf(a, batch.aSpan(), bytes), reachOf(b, batch.bSpan(), bytes),
                    beta, reachOf(c, batch.cSpan(), bytes));
        }
    }

    // ---------------------------------------------------------------- OffHeapMatrix

    /** C := A * B for off-heap matrices (zero copy). C must be A.rows x B.cols and distinct from A and B. */
    public static void multiply(OffHeapMatrix a, OffHeapMatrix b, OffHeapMatrix c) {
        java.util.Objects.requireNonNull(a, "a");
        java.util.Objects.requireNonNull(b, "b");
        java.util.Objects.requireNonNull(c, "c");
        if (a.cols() != b.rows()) {
            throw new IllegalArgumentException("Incompatible dimensions: A is " + a.rows() + "x" + a.cols()
                    + ", B is " + b.rows() + "x" + b.cols());
        }
        if (c.rows() != a.rows() || c.cols() != b.cols()) {
            throw new IllegalArgumentException("C is " + c.rows() + "x" + c.cols() + ", expected "
                    + a.rows() + "x" + b.cols() + " for A " + a.rows() + "x" + a.cols() + " times B " + b.rows() + "x" + b.cols());
        }
        try {
            dgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, a.rows(), b.cols(), a.cols(), 1.0,
                    a.segment(), Math.max(1, a.cols()), b.segment(), Math.max(1, b.cols()), 0.0, c.segment(), Math.max(1, c.cols()));
        } finally {
            // The matrices own the memory: none may be collected (and freed) mid-multiply.
            java.lang.ref.Reference.reachabilityFence(a);
            java.lang.ref.Reference.reachabilityFence(b);
            java.lang.ref.Reference.reachabilityFence(c);
        }
    }

    // ---------------------------------------------------------------- kernel info and threads

    /** Version, microkernel, thread setting, pool threads and where the native library came from. */
    public static KernelInfo info() {
        KernelLibrary library = ready();
        return new KernelInfo(library.version(), library.kernelName(), library.numThreads(), library.poolThreads(),
                library.source(), library.path().toString());
    }

    /** Threads a multiply may use now (default: the available cores). */
    public static int threads() {
        return ready().numThreads();
    }

    /**
     * Sets how many threads each multiply may use, for this class loader's copy of the
     * library (the whole process, for most programs). The kernel's pool keeps no threads
     * above the new setting: lowering it stops and joins the extra workers, after the
     * multiply in flight, if any.
     *
     * @throws IllegalArgumentException unless {@code 1 <= threads <= 1024}
     */
    public static void setThreads(int threads) {
        KernelLibrary library = ready();
        int max = matmul_kernel_h.MM_MAX_THREADS();
        if (threads < 1 || threads > max) {
            throw new IllegalArgumentException("threads must be between 1 and " + max + ", but was " + threads);
        }
        NativeStatus.check("mm_set_num_threads", library.setNumThreads(threads));
    }

    /** Restores the default thread count (the available cores), stopping workers above it. */
    public static void resetThreads() {
        NativeStatus.check("mm_set_num_threads", ready().setNumThreads(0));
    }

    /**
     * Runs {@code body} with every multiply it makes (on this thread, directly or deeper
     * down) using at most {@code threads} threads: a Spark task's {@code spark.task.cpus},
     * a service's share of the cores. Budgeted multiplies share the kernel's
     * {@link #threads()} slots: one that finds them all taken waits for one, so together
     * they never run on more threads than that, however many callers there are; a budget
     * never adds threads. Small products (under about 900k multiply-adds) run on the
     * caller at once and take no slot. A nested budget can only narrow the outer one.
     * Threads that {@code body} starts itself do not inherit the budget.
     *
     * @throws IllegalArgumentException unless {@code 1 <= threads <= 1024}
     * @throws NullPointerException     if {@code body} is null
     */
    public static <T> T withThreads(int threads, java.util.function.Supplier<T> body) {
        int max = matmul_kernel_h.MM_MAX_THREADS();
        if (threads < 1 || threads > max) {
            throw new IllegalArgumentException("threads must be between 1 and " + max + ", but was " + threads);
        }
        java.util.Objects.requireNonNull(body, "body");
        return ThreadBudget.with(threads, body);
    }

    /** As {@link #withThreads(int, java.util.function.Supplier)} for a body with no result. */
    public static void withThreads(int threads, Runnable body) {
        java.util.Objects.requireNonNull(body, "body");
        withThreads(threads, () -> {
            body.run();
            return null;
        });
    }

    /** The thread budget in force for this code (see {@link #withThreads}), or empty for none. */
    public static java.util.OptionalInt threadBudget() {
        int budget = ThreadBudget.current();
        return budget == 0 ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(budget);
    }

    /**
     * How many threads multiplies held at once, at most, since the last reset (products of
     * about 900k multiply-adds and up: a parallel call's threads, a serial call's one): what an operator or a test reads to see that
     * budgets hold. With {@code reset}, the count starts again from the threads running now.
     */
    public static int peakKernelThreads(boolean reset) {
        return ready().threadsPeak(reset);
    }

    private static KernelLibrary ready() {
        KernelLibrary library = NativeLoader.library();
        if (!announced) {
            announced = true;
            LOG.debug("matmul-ffm {} using the {} kernel with {} threads", library.version(), library.kernelName(),
                    library.numThreads());
        }
        return library;
    }
}
