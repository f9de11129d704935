package io.github.matmulffm;

import io.github.matmulffm.parity.SplitMix64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Strided batches ({@code dgemmBatch} / {@code sgemmBatch}) as a user calls them: every
 * product bit for bit that of the same single call, over arrays (in place and staged),
 * off-heap and heap segments; one A or B shared (stride 0); the gaps between C's
 * matrices never written; threads writing disjoint matrices of one shared C; and every
 * bad batch refused with an exception naming its argument before anything is written.
 */
class BatchTest {
    private static final Layout ROW = Layout.ROW_MAJOR;
    private static final Transpose N = Transpose.NO_TRANS;

    /** A row-major batch with minimal leading dimensions; strides are reach + gap unless 0 (shared). */
    record Spec(Layout layout, Transpose transA, Transpose transB, int m, int n, int k, double alpha, double beta,
                int count, boolean shareA, boolean shareB) {
        int lda() { return Math.max(1, stored(transA, m, k)); }
        int ldb() { return Math.max(1, stored(transB, k, n)); }
        int ldc() { return Math.max(1, stored(N, m, n)); }

        /** The contiguous run of a stored operand (a row in row-major, a column in column-major). */
        private int stored(Transpose t, int rows, int cols) {
            boolean trans = t == Transpose.TRANS;
            int storedRows = trans ? cols : rows;
            int storedCols = trans ? rows : cols;
            return layout == ROW ? storedCols : storedRows;
        }

        int reachA() { return reach(transA, m, k, lda()); }
        int reachB() { return reach(transB, k, n, ldb()); }
        int reachC() { return reach(N, m, n, ldc()); }

        private int reach(Transpose t, int rows, int cols, int ld) {
            int inner = stored(t, rows, cols);
            int outer = rows * cols / Math.max(1, inner);
            return rows == 0 || cols == 0 ? 0 : (outer - 1) * ld + inner;
        }

        int strideA() { return shareA ? 0 : reachA() + 3; }
        int strideB() { return shareB ? 0 : reachB() + 1; }
        int strideC() { return reachC() + 2; }

        int span(int stride, int reach) { return count == 0 || reach == 0 ? 0 : (count - 1) * stride + reach; }
    }

    static double[] fill(SplitMix64 random, int length) {
        double[] x = new double[length];
        for (int i = 0; i < length; i++) {
            x[i] = random.unit();
        }
        return x;
    }

    static float[] narrow(double[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) x[i];
        }
        return y;
    }

    /** Where product i's X starts; an operand that is never reached (k == 0) stays at 0. */
    static int at(int i, int stride, int reach) {
        return reach == 0 ? 0 : i * stride;
    }

    /** The batch as one single dgemm per product, over copies of the arrays. */
    static double[] oneByOne(Spec s, double[] a, double[] b, double[] c0) {
        double[] c = c0.clone();
        for (int i = 0; i < s.count(); i++) {
            Matmul.dgemm(s.layout(), s.transA(), s.transB(), s.m(), s.n(), s.k(), s.alpha(), a, at(i, s.strideA(), s.reachA()), s.lda(),
                    b, at(i, s.strideB(), s.reachB()), s.ldb(), s.beta(), c, i * s.strideC(), s.ldc());
        }
        return c;
    }

    static float[] oneByOne(Spec s, float[] a, float[] b, float[] c0) {
        float[] c = c0.clone();
        for (int i = 0; i < s.count(); i++) {
            Matmul.sgemm(s.layout(), s.transA(), s.transB(), s.m(), s.n(), s.k(), (float) s.alpha(), a, at(i, s.strideA(), s.reachA()), s.lda(),
                    b, at(i, s.strideB(), s.reachB()), s.ldb(), (float) s.beta(), c, i * s.strideC(), s.ldc());
        }
        return c;
    }

    @ParameterizedTest(name = "{0} {1}{2} {3}x{4}x{5} alpha={6} beta={7} x{8} shareA={9} shareB={10}")
    @CsvSource({
            // n = 8 and 32: the sizes; in place (critical) and staged.
            "ROW_MAJOR, NO_TRANS, NO_TRANS, 8, 8, 8, 1, 0, 500, false, false",
            "ROW_MAJOR, NO_TRANS, NO_TRANS, 32, 32, 32, 1, 0, 40, false, false",
            "ROW_MAJOR, NO_TRANS, NO_TRANS, 3, 5, 7, -1.5, 0.5, 9, false, false",
            "COL_MAJOR, TRANS, NO_TRANS, 9, 16, 12, 0.7, 1, 50, false, false",
            "ROW_MAJOR, NO_TRANS, TRANS, 100, 100, 100, 1, -1, 3, false, false",
            "ROW_MAJOR, NO_TRANS, NO_TRANS, 16, 8, 24, 1, 0, 200, true, false",
            "COL_MAJOR, NO_TRANS, TRANS, 24, 16, 8, 1, 0.5, 200, false, true",
            "ROW_MAJOR, TRANS, TRANS, 7, 9, 11, 2, 0, 40, true, true",
            "ROW_MAJOR, NO_TRANS, NO_TRANS, 4, 4, 0, 1, -1, 7, false, false",
            "ROW_MAJOR, NO_TRANS, NO_TRANS, 6, 7, 8, 0, 2, 5, false, false",
            "ROW_MAJOR, NO_TRANS, NO_TRANS, 5, 6, 7, 1, 0, 1, false, false",
            "ROW_MAJOR, NO_TRANS, NO_TRANS, 5, 6, 7, 1, 0, 0, false, false"})
    void eachProductAsAlone(Layout layout, Transpose transA, Transpose transB, int m, int n, int k, double alpha,
                            double beta, int count, boolean shareA, boolean shareB) {
        Spec s = new Spec(layout, transA, transB, m, n, k, alpha, beta, count, shareA, shareB);
        SplitMix64 random = new SplitMix64(m * 1_000_003L + n * 1009L + k + count);
        double[] a = fill(random, s.span(s.strideA(), s.reachA()));
        double[] b = fill(random, s.span(s.strideB(), s.reachB()));
        double[] c0 = fill(random, s.span(s.strideC(), s.reachC()));
        double[] want = oneByOne(s, a, b, c0);

        double[] c = c0.clone();
        Matmul.dgemmBatch(layout, transA, transB, m, n, k, alpha, a, 0, s.lda(), s.strideA(), b, 0, s.ldb(), s.strideB(),
                beta, c, 0, s.ldc(), s.strideC(), count);
        assertBits(want, c, "double[]");

        try (Arena arena = Arena.ofConfined()) {
            MemorySegment as = copy(arena, a), bs = copy(arena, b), cs = copy(arena, c0);
            Matmul.dgemmBatch(layout, transA, transB, m, n, k, alpha, as, s.lda(), s.strideA(), bs, s.ldb(), s.strideB(),
                    beta, cs, s.ldc(), s.strideC(), count);
            assertBits(want, cs.asSlice(0, c0.length * 8L).toArray(ValueLayout.JAVA_DOUBLE), "off-heap segments");
        }
        double[] heapC = c0.clone();
        Matmul.dgemmBatch(layout, transA, transB, m, n, k, alpha, MemorySegment.ofArray(a), s.lda(), s.strideA(),
                MemorySegment.ofArray(b), s.ldb(), s.strideB(), beta, MemorySegment.ofArray(heapC), s.ldc(), s.strideC(), count);
        assertBits(want, heapC, "heap segments");

        float[] af = narrow(a), bf = narrow(b), cf0 = narrow(c0);
        float[] wantF = oneByOne(s, af, bf, cf0);
        float[] cf = cf0.clone();
        Matmul.sgemmBatch(layout, transA, transB, m, n, k, (float) alpha, af, 0, s.lda(), s.strideA(), bf, 0, s.ldb(),
                s.strideB(), (float) beta, cf, 0, s.ldc(), s.strideC(), count);
        assertArrayEquals(wantF, cf, "float[]");

        // A thread budget changes where the products run, never their bits.
        double[] budgeted = c0.clone();
        Matmul.withThreads(1, () -> Matmul.dgemmBatch(layout, transA, transB, m, n, k, alpha, a, 0, s.lda(), s.strideA(),
                b, 0, s.ldb(), s.strideB(), beta, budgeted, 0, s.ldc(), s.strideC(), count));
        assertBits(want, budgeted, "budget 1");
    }

    static MemorySegment copy(Arena arena, double[] x) {
        return arena.allocate(Math.max(8L, x.length * 8L), 8).copyFrom(MemorySegment.ofArray(x));
    }

    static void assertBits(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            if (Double.doubleToRawLongBits(want[i]) != Double.doubleToRawLongBits(got[i])) {
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", the single calls give " + want[i]);
            }
        }
    }

    /**
     * Offsets into larger arrays, and C's matrices side by side in one wide matrix (ldc =
     * count * n, stride n): their spans interleave but no element is shared, so the batch is
     * valid, and it is one wide product.
     */
    @Test
    void sideBySideMatricesAreOneWideProduct() {
        int m = 6, n = 5, k = 4, count = 7, off = 3;
        SplitMix64 random = new SplitMix64(11);
        double[] a = fill(random, off + m * k);
        double[] b = fill(random, off + k * n * count);
        double[] c = new double[off + m * n * count];
        Matmul.dgemmBatch(ROW, N, N, m, n, k, 1.0, a, off, k, 0, b, off, n * count, n, 0.0, c, off, n * count, n, count);
        double[] wide = new double[off + m * n * count];
        Matmul.dgemm(ROW, N, N, m, n * count, k, 1.0, a, off, k, b, off, n * count, 0.0, wide, off, n * count);
        for (int i = 0; i < c.length; i++) {
            assertEquals(wide[i], c[i], 1e-14, "C[" + i + "]");
        }
    }

    /** Threads filling disjoint matrices of one shared C, each with a batch: in place, in runs, and staged (n = 80). */
    @ParameterizedTest(name = "n={0} x{1} per thread, {2} threads")
    @CsvSource({"8, 64, 3", "48, 8, 2", "32, 40, 4", "80, 3, 2"})
    void threadsSharingOneOutput(int n, int count, int threads) throws Exception {
        SplitMix64 random = new SplitMix64(n * 7L + threads);
        double[] a = fill(random, n * n);
        double[] b = fill(random, n * n * count * threads);
        // C is a grid of count x threads blocks of n x n; thread t owns column block t of
        // every block row: ldc = threads * n, strideC = one block row.
        int ldc = threads * n;
        int strideC = n * ldc;
        double[] expected = new double[n * ldc * count];
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < count; i++) {
                Matmul.dgemm(ROW, N, N, n, n, n, 1.0, a, 0, n, b, (t * count + i) * n * n, n, 0.0, expected, i * strideC + t * n, ldc);
            }
        }
        for (int round = 0; round < 10; round++) {
            double[] c = new double[expected.length];
            Arrays.fill(c, Double.NaN);
            CyclicBarrier start = new CyclicBarrier(threads);
            try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
                Future<?>[] done = new Future<?>[threads];
                for (int t = 0; t < threads; t++) {
                    int owner = t;
                    done[t] = pool.submit(() -> {
                        start.await();
                        Matmul.dgemmBatch(ROW, N, N, n, n, n, 1.0, a, 0, n, 0, b, owner * count * n * n, n, n * n,
                                0.0, c, owner * n, ldc, strideC, count);
                        return null;
                    });
                }
                for (Future<?> f : done) {
                    f.get();
                }
            }
            assertBits(expected, c, "round " + round);
        }
    }

    // ---------------------------------------------------------------- bad batches

    /** A valid 4 x 3 x 2 batch of 5: C_i = [14i, 14i + 12), A_i 9 apart, B_i 7 apart. */
    private final double[] a = new double[4 * 9 + 8];
    private final double[] b = new double[4 * 7 + 6];
    private final double[] c = new double[4 * 14 + 12];

    private void batch(int strideA, int strideB, int strideC, int count, int cLength) {
        Matmul.dgemmBatch(ROW, N, N, 4, 3, 2, 1.0, a, 0, 2, strideA, b, 0, 3, strideB, 0.0,
                cLength == c.length ? c : Arrays.copyOf(c, cLength), 0, 3, strideC, count);
    }

    private <T extends Throwable> void refused(Class<T> type, String message, Executable call) {
        Arrays.fill(c, 5.0);
        double[] before = c.clone();
        T e = assertThrows(type, call);
        assertTrue(e.getMessage().contains(message), () -> "message '" + e.getMessage() + "' lacks '" + message + "'");
        assertArrayEquals(before, c, "a refused batch wrote C");
    }

    @Test
    void badBatchesAreRefusedBeforeAnythingIsWritten() {
        batch(9, 7, 14, 5, c.length);
        refused(IllegalArgumentException.class, "batchCount must be >= 0, but was -1", () -> batch(9, 7, 14, -1, c.length));
        refused(IllegalArgumentException.class, "strideA must be >= 0, but was -9", () -> batch(-9, 7, 14, 5, c.length));
        refused(IllegalArgumentException.class, "strideB must be >= 0", () -> batch(9, -1, 14, 5, c.length));
        refused(IllegalArgumentException.class, "strideC must be >= 0", () -> batch(9, 7, Integer.MIN_VALUE, 5, c.length));
        refused(IllegalArgumentException.class, "strideC is 0 but the batch has 5 products", () -> batch(9, 7, 0, 5, c.length));
        refused(IllegalArgumentException.class, "C[0] and C[1] share elements", () -> batch(9, 7, 11, 5, c.length));
        refused(IndexOutOfBoundsException.class, "c is too short: 5 matrices C (row-major, ldc=3) 14 elements apart need 68 elements",
                () -> Matmul.dgemmBatch(ROW, N, N, 4, 3, 2, 1.0, a, 0, 2, 9, b, 0, 3, 7, 0.0, c, 1, 3, 14, 5));
        refused(IndexOutOfBoundsException.class, "a is too short", () -> batch(9, 7, 14, 6, c.length));
        refused(IndexOutOfBoundsException.class, "b is too short", () -> batch(0, 8, 14, 5, c.length));
        refused(NullPointerException.class, "b",
                () -> Matmul.dgemmBatch(ROW, N, N, 4, 3, 2, 1.0, a, 0, 2, 9, null, 0, 3, 7, 0.0, c, 0, 3, 14, 5));
        refused(IllegalArgumentException.class, "ldc must be >= 3",
                () -> Matmul.dgemmBatch(ROW, N, N, 4, 3, 2, 1.0, a, 0, 2, 9, b, 0, 3, 7, 0.0, c, 0, 2, 14, 5));
        // ldc 10: C_0 holds 0..2, 10..12, 20..22, 30..32; at stride 3 only C_3 (9..11, ...) meets it.
        double[] wide = new double[4 * 3 + 33];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Matmul.dgemmBatch(ROW, N, N, 4, 3, 2, 1.0,
                a, 0, 2, 9, b, 0, 3, 7, 0.0, wide, 0, 10, 3, 5));
        assertTrue(e.getMessage().contains("C[0] and C[3] share elements"), e.getMessage());
    }

    @Test
    void outputMatricesMeetingAnInputAreRefused() {
        // One buffer holding C's 5 matrices (68 elements) and the inputs placed inside it.
        double[] shared = new double[200];
        SplitMix64 random = new SplitMix64(3);
        for (int i = 0; i < shared.length; i++) {
            shared[i] = random.unit();
        }
        double[] before = shared.clone();
        // A_j = [13 + 9j, 21 + 9j): A_0 meets C_1 only.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Matmul.dgemmBatch(ROW, N, N, 4, 3, 2, 1.0,
                shared, 13, 2, 9, b, 0, 3, 7, 0.0, shared, 0, 3, 14, 5));
        assertTrue(e.getMessage().contains("c overlaps a"), e.getMessage());
        // One B shared by all, meeting only C_2 = [28, 40).
        e = assertThrows(IllegalArgumentException.class, () -> Matmul.dgemmBatch(ROW, N, N, 4, 3, 2, 1.0,
                a, 0, 2, 9, shared, 33, 3, 0, 0.0, shared, 0, 3, 14, 5));
        assertTrue(e.getMessage().contains("c overlaps b"), e.getMessage());
        assertArrayEquals(before, shared, "a refused batch wrote");
        // The same through segments, off-heap.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment whole = arena.allocate(200 * 8L, 8);
            MemorySegment as = MemorySegment.ofArray(a);
            IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> Matmul.dgemmBatch(ROW, N, N, 4, 3, 2, 1.0,
                    as, 2, 9, whole.asSlice(57 * 8L), 3, 0, 0.0, whole, 3, 14, 5));
            assertTrue(s.getMessage().contains("c overlaps b"), s.getMessage());
            // Inputs after the last C: valid.
            Matmul.dgemmBatch(ROW, N, N, 4, 3, 2, 1.0, whole.asSlice(100 * 8L), 2, 9, whole.asSlice(68 * 8L), 3, 0, 0.0,
                    whole, 3, 14, 5);
        }
    }

    @Test
    void badSegmentsAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment as = arena.allocate(44 * 8L, 8), bs = arena.allocate(34 * 8L, 8), cs = arena.allocate(68 * 8L, 8);
            IndexOutOfBoundsException small = assertThrows(IndexOutOfBoundsException.class, () -> Matmul.dgemmBatch(ROW, N, N,
                    4, 3, 2, 1.0, as, 2, 9, bs, 3, 7, 0.0, cs.asSlice(0, 67 * 8L), 3, 14, 5));
            assertTrue(small.getMessage().contains("c is too small: 5 matrices C"), small.getMessage());
            IllegalArgumentException readOnly = assertThrows(IllegalArgumentException.class, () -> Matmul.dgemmBatch(ROW, N, N,
                    4, 3, 2, 1.0, as, 2, 9, bs, 3, 7, 0.0, cs.asReadOnly(), 3, 14, 5));
            assertTrue(readOnly.getMessage().contains("c is read-only"), readOnly.getMessage());
            IllegalArgumentException misaligned = assertThrows(IllegalArgumentException.class, () -> Matmul.sgemmBatch(ROW, N, N,
                    4, 3, 2, 1f, as.asSlice(2), 2, 9, bs, 3, 7, 0f, cs, 3, 14, 5));
            assertTrue(misaligned.getMessage().contains("a is not aligned to 4 bytes"), misaligned.getMessage());
        }
        Arena closed = Arena.ofConfined();
        MemorySegment gone = closed.allocate(68 * 8L, 8);
        closed.close();
        assertThrows(IllegalStateException.class, () -> Matmul.dgemmBatch(ROW, N, N, 4, 3, 2, 1.0,
                MemorySegment.ofArray(a), 2, 9, MemorySegment.ofArray(b), 3, 7, 0.0, gone, 3, 14, 5));
    }
}
