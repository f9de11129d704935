package io.github.matmulffm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static io.github.matmulffm.Layout.COL_MAJOR;
import static io.github.matmulffm.Layout.ROW_MAJOR;
import static io.github.matmulffm.Transpose.NO_TRANS;
import static io.github.matmulffm.Transpose.TRANS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every bad input of DESIGN.md gets its exception, names the argument, and changes nothing. */
class BadInputTest {
    // A valid 2x3 * 3x4 row-major problem; each test breaks one thing.
    final double[] a = new double[6];
    final double[] b = new double[12];
    final double[] c = {1, 2, 3, 4, 5, 6, 7, 8};

    private <T extends Throwable> void assertRejected(Class<T> type, String fragment, Executable call) {
        double[] before = c.clone();
        T thrown = assertThrows(type, call);
        assertTrue(thrown.getMessage() != null && thrown.getMessage().contains(fragment),
                "message \"" + thrown.getMessage() + "\" should contain \"" + fragment + "\"");
        assertArrayEquals(before, c, "c must be untouched by a rejected call");
    }

    @Test
    void nullArraysAndEnums() {
        assertRejected(NullPointerException.class, "a", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 3, 1, null, 3, b, 4, 0, c, 4));
        assertRejected(NullPointerException.class, "b", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 3, 1, a, 3, null, 4, 0, c, 4));
        assertRejected(NullPointerException.class, "c", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 3, 1, a, 3, b, 4, 0, (double[]) null, 4));
        assertRejected(NullPointerException.class, "layout", () -> Matmul.dgemm(null, NO_TRANS, NO_TRANS, 2, 4, 3, 1, a, 3, b, 4, 0, c, 4));
        assertRejected(NullPointerException.class, "transA", () -> Matmul.dgemm(ROW_MAJOR, null, NO_TRANS, 2, 4, 3, 1, a, 3, b, 4, 0, c, 4));
        assertRejected(NullPointerException.class, "transB", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, null, 2, 4, 3, 1, a, 3, b, 4, 0, c, 4));
        assertRejected(NullPointerException.class, "a", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 4, 3, 1, (MemorySegment) null, 3, MemorySegment.ofArray(b), 4, 0, MemorySegment.ofArray(c), 4));
    }

    @Test
    void negativeSizes() {
        assertRejected(IllegalArgumentException.class, "m must be >= 0", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, -1, 4, 3, 1, a, 3, b, 4, 0, c, 4));
        assertRejected(IllegalArgumentException.class, "n must be >= 0", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, -4, 3, 1, a, 3, b, 4, 0, c, 4));
        assertRejected(IllegalArgumentException.class, "k must be >= 0", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, -3, 1, a, 3, b, 4, 0, c, 4));
    }

    @Test
    void zeroSizesAreQuickReturns() {
        double[] before = c.clone();
        Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 0, 4, 3, 1, a, 3, b, 4, 0, c, 4);
        Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 0, 3, 1, a, 3, b, 1, 0, c, 1);
        assertArrayEquals(before, c);
        Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 0, 1, new double[0], 1, new double[0], 4, 2, c, 4);
        assertArrayEquals(new double[]{2, 4, 6, 8, 10, 12, 14, 16}, c, "k == 0 gives C := beta * C");
    }

    @Test
    void leadingDimensionsBelowTheStoredLength() {
        assertRejected(IllegalArgumentException.class, "lda must be >= 3", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 3, 1, a, 2, b, 4, 0, c, 4));
        assertRejected(IllegalArgumentException.class, "ldb must be >= 4", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 3, 1, a, 3, b, 3, 0, c, 4));
        assertRejected(IllegalArgumentException.class, "ldc must be >= 4", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 3, 1, a, 3, b, 4, 0, c, 0));
        assertRejected(IllegalArgumentException.class, "lda must be >= 2", () -> Matmul.dgemm(COL_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 3, 1, a, 1, b, 3, 0, c, 2));
        assertRejected(IllegalArgumentException.class, "lda must be >= 2", () -> Matmul.dgemm(ROW_MAJOR, TRANS, NO_TRANS, 2, 4, 3, 1, a, 1, b, 4, 0, c, 4));
    }

    @Test
    void arraysOneElementTooShortAndOffsetsOutOfRange() {
        assertRejected(IndexOutOfBoundsException.class, "a is too short", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 3, 1, new double[5], 3, b, 4, 0, c, 4));
        assertRejected(IndexOutOfBoundsException.class, "b is too short", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 3, 1, a, 3, new double[11], 4, 0, c, 4));
        assertRejected(IndexOutOfBoundsException.class, "c is too short", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 3, 1, a, 0, 3, b, 0, 4, 0, c, 1, 4));
        assertRejected(IndexOutOfBoundsException.class, "aOffset -1", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 3, 1, a, -1, 3, b, 0, 4, 0, c, 0, 4));
        assertRejected(IndexOutOfBoundsException.class, "bOffset 13", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 3, 1, a, 0, 3, b, 13, 4, 0, c, 0, 4));
        assertRejected(IndexOutOfBoundsException.class, "f", () -> Matmul.sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 3, 1, new float[5], 3, new float[12], 4, 0, new float[8], 4));
    }

    @Test
    void segmentsOneElementTooShortReadOnlyClosedOrConfinedElsewhere() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment as = arena.allocate(ValueLayout.JAVA_DOUBLE, 6);
            MemorySegment bs = arena.allocate(ValueLayout.JAVA_DOUBLE, 12);
            MemorySegment cs = arena.allocate(ValueLayout.JAVA_DOUBLE, 8);
            assertRejected(IndexOutOfBoundsException.class, "a is too small", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 4, 3, 1, as.asSlice(0, 40), 3, bs, 4, 0, cs, 4));
            assertRejected(IndexOutOfBoundsException.class, "c is too small", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 4, 3, 1, as, 3, bs, 4, 0, cs.asSlice(8), 4));
            assertRejected(IllegalArgumentException.class, "c is read-only", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 4, 3, 1, as, 3, bs, 4, 0, cs.asReadOnly(), 4));
            assertRejected(IllegalArgumentException.class, "not aligned", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 4, 3, 1, as, 3, arena.allocate(8 * 13).asSlice(4, 96), 4, 0, cs, 4));
            // Read-only inputs are fine.
            Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 4, 3, 1, as.asReadOnly(), 3, bs.asReadOnly(), 4, 0, cs, 4);

            AtomicReference<Throwable> fromOtherThread = new AtomicReference<>();
            CompletableFuture.runAsync(() -> {
                try {
                    Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 4, 3, 1, as, 3, bs, 4, 0, cs, 4);
                } catch (Throwable t) {
                    fromOtherThread.set(t);
                }
            }).get();
            assertTrue(fromOtherThread.get() instanceof WrongThreadException, "got " + fromOtherThread.get());
        }
        Arena closed = Arena.ofConfined();
        MemorySegment dead = closed.allocate(ValueLayout.JAVA_DOUBLE, 8);
        closed.close();
        assertRejected(IllegalStateException.class, "already closed", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 4, 3, 1, MemorySegment.ofArray(a), 3, MemorySegment.ofArray(b), 4, 0, dead, 4));
    }

    @Test
    void sizesWhoseProductOverflows() {
        long big = 1L << 32;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment any = arena.allocate(8);
            assertRejected(IllegalArgumentException.class, "overflow", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, big, big, 1, 1, any, 1, any, big, 0, any, big));
            assertRejected(IllegalArgumentException.class, "overflow", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 2, 2, 1, any, Long.MAX_VALUE, any, 2, 0, any, 2));
        }
    }

    @Test
    void outputOverlappingAnInput() {
        double[] shared = new double[20];
        assertRejected(IllegalArgumentException.class, "c overlaps a", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 2, 2, 1, shared, 0, 2, b, 0, 2, 0, shared, 2, 2));
        assertRejected(IllegalArgumentException.class, "c overlaps b", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 2, 2, 1, a, 0, 2, shared, 10, 2, 0, shared, 8, 2));
        // Disjoint parts of one array are fine.
        Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 2, 2, 1, shared, 0, 2, shared, 4, 2, 0, shared, 8, 2);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(ValueLayout.JAVA_DOUBLE, 20);
            assertRejected(IllegalArgumentException.class, "c overlaps a", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 2, 2, 1, block, 2, block.asSlice(8 * 10), 2, 0, block.asSlice(8), 2));
        }
    }

    @Test
    void disjointSubMatrixViewsOfOneBufferAreAccepted() {
        // One row-major 2 x 6 buffer (ld = 6): A = columns 0..2, B = columns 2..4, C = columns 4..6.
        double[] expected = {1, 2, 5, 6, 19, 22, 3, 4, 7, 8, 43, 50};
        double[] buffer = {1, 2, 5, 6, 0, 0, 3, 4, 7, 8, Double.NaN, Double.NaN};
        Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 2, 2, 1, buffer, 0, 6, buffer, 2, 6, 0, buffer, 4, 6);
        assertArrayEquals(expected, buffer);
        double[] heap = {1, 2, 5, 6, 0, 0, 3, 4, 7, 8, Double.NaN, Double.NaN};
        MemorySegment heapSegment = MemorySegment.ofArray(heap);
        Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 2, 2, 1, heapSegment, 6, heapSegment.asSlice(16), 6, 0, heapSegment.asSlice(32), 6);
        assertArrayEquals(expected, heap);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, 1, 2, 5, 6, 0, 0, 3, 4, 7, 8, Double.NaN, Double.NaN);
            Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 2, 2, 1, block, 6, block.asSlice(16), 6, 0, block.asSlice(32), 6);
            assertArrayEquals(expected, block.toArray(ValueLayout.JAVA_DOUBLE));
            // C one column to the left shares column 3 with B.
            assertThrows(IllegalArgumentException.class, () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 2, 2, 1,
                    block, 6, block.asSlice(16), 6, 0, block.asSlice(24), 6));
        }
        double[] before = buffer.clone();
        IllegalArgumentException shifted = assertThrows(IllegalArgumentException.class, () ->
                Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 2, 2, 1, buffer, 0, 6, buffer, 2, 6, 0, buffer, 3, 6));
        assertTrue(shifted.getMessage().contains("c overlaps b"), shifted.getMessage());
        assertArrayEquals(before, buffer);
    }

    @Test
    void emptyOutputReachesNeitherInput() {
        // m == 0: B (k x n) is not reached, so a B shorter than k * n is fine.
        Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 0, 4, 3, 1, new double[0], 3, new double[1], 4, 0, new double[0], 4);
        Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 0, 3, 1, new double[1], 3, new double[0], 1, 0, new double[0], 1);
    }

    @Test
    void nanAndInfiniteScalarsPropagate() {
        double[] a2 = {1, 2, 3, 4};
        double[] b2 = {5, 6, 7, 8};
        double[] out = new double[4];
        Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 2, 2, Double.NaN, a2, 2, b2, 2, 0, out, 2);
        for (double v : out) assertTrue(Double.isNaN(v));
        Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 2, 2, 1, a2, 2, b2, 2, Double.POSITIVE_INFINITY, out, 2);
        for (double v : out) assertTrue(Double.isNaN(v), "NaN * inf stays NaN");
        double[] nanFilled = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 2, 2, 1, a2, 2, b2, 2, 0, nanFilled, 2);
        assertArrayEquals(new double[]{19, 22, 43, 50}, nanFilled, "beta == 0 never reads C");
    }

    @Test
    void threadCountOutOfRange() {
        assertRejected(IllegalArgumentException.class, "threads must be between 1 and 1024", () -> Matmul.setThreads(0));
        assertRejected(IllegalArgumentException.class, "threads must be between 1 and 1024", () -> Matmul.setThreads(1025));
    }

    @Test
    void offHeapMatrixMisuse() {
        OffHeapMatrix m = OffHeapMatrix.of(new double[][]{{1, 2}, {3, 4}});
        assertThrows(IndexOutOfBoundsException.class, () -> m.get(2, 0));
        assertThrows(IllegalArgumentException.class, () -> m.multiply(OffHeapMatrix.allocate(3, 1)));
        m.close();
        m.close();
        assertThrows(IllegalStateException.class, () -> m.get(0, 0));
        assertThrows(IllegalStateException.class, () -> m.multiply(OffHeapMatrix.allocate(2, 2)));
        assertEquals("rows and cols must be >= 0, but were -1x2", assertThrows(IllegalArgumentException.class, () -> OffHeapMatrix.allocate(-1, 2)).getMessage());
    }

    @Test
    void everySegmentFieldBrokenInTurn() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment as = arena.allocate(ValueLayout.JAVA_DOUBLE, 6);
            MemorySegment bs = arena.allocate(ValueLayout.JAVA_DOUBLE, 12);
            MemorySegment cs = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, c);
            assertRejected(NullPointerException.class, "b", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 4, 3, 1, as, 3, null, 4, 0, cs, 4));
            assertRejected(NullPointerException.class, "c", () -> Matmul.sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 4, 3, 1, as, 3, bs, 4, 0, null, 4));
            assertRejected(IndexOutOfBoundsException.class, "b is too small", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 4, 3, 1, as, 3, bs.asSlice(0, 88), 4, 0, cs, 4));
            assertRejected(IllegalArgumentException.class, "n must be >= 0", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, -4, 3, 1, as, 3, bs, 4, 0, cs, 4));
            assertRejected(IllegalArgumentException.class, "ldb must be >= 4", () -> Matmul.sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 4, 3, 1, as, 3, bs, 3, 0, cs, 4));
            assertArrayEquals(c, cs.toArray(ValueLayout.JAVA_DOUBLE), "rejected calls leave the segment as it was");
        }
        Arena closed = Arena.ofConfined();
        MemorySegment deadInput = closed.allocate(ValueLayout.JAVA_DOUBLE, 6);
        closed.close();
        assertRejected(IllegalStateException.class, "a: the arena of this segment is already closed", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 4, 3, 1, deadInput, 3, MemorySegment.ofArray(b), 4, 0, MemorySegment.ofArray(c), 4));
    }

    @Test
    void outputOffsetOutOfRange() {
        assertRejected(IndexOutOfBoundsException.class, "cOffset -1", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 3, 1, a, 0, 3, b, 0, 4, 0, c, -1, 4));
        assertRejected(IndexOutOfBoundsException.class, "cOffset 9", () -> Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 4, 3, 1, a, 0, 3, b, 0, 4, 0, c, 9, 4));
        // An offset at the very end is in range; the description then needs no element.
        Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 0, 4, 3, 1, a, 0, 3, b, 0, 4, 0, c, 8, 4);
    }

    @Test
    void nonFiniteScalarsInSinglePrecisionAndOnSegments() {
        float[] af = {1, 2, 3, 4}, bf = {5, 6, 7, 8};
        float[] out = new float[4];
        Matmul.sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 2, 2, Float.NEGATIVE_INFINITY, af, 2, bf, 2, 0, out, 2);
        for (float v : out) assertEquals(Float.NEGATIVE_INFINITY, v);
        Matmul.sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 2, 2, 1, af, 2, bf, 2, Float.NaN, out, 2);
        for (float v : out) assertTrue(Float.isNaN(v), "beta NaN reads C: NaN");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cs = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, 1, 2, 3, 4);
            Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2L, 2, 2, 1, arena.allocateFrom(ValueLayout.JAVA_DOUBLE, 1, 2, 3, 4), 2,
                    arena.allocateFrom(ValueLayout.JAVA_DOUBLE, 5, 6, 7, 8), 2, Double.POSITIVE_INFINITY, cs, 2);
            for (double v : cs.toArray(ValueLayout.JAVA_DOUBLE)) assertEquals(Double.POSITIVE_INFINITY, v);
        }
        // k == 0 never evaluates alpha (BLAS quick return): C := beta * C even for a NaN alpha.
        double[] scaled = {1, 2, 3, 4};
        Matmul.dgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, 2, 2, 0, Double.NaN, new double[0], 1, new double[0], 2, 2, scaled, 2);
        assertArrayEquals(new double[]{2, 4, 6, 8}, scaled);
    }

    @Test
    void offHeapProductIntoAMatrixOfTheWrongShape() {
        try (OffHeapMatrix x = OffHeapMatrix.allocate(2, 3); OffHeapMatrix y = OffHeapMatrix.allocate(3, 4);
             OffHeapMatrix wrong = OffHeapMatrix.allocate(4, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Matmul.multiply(x, y, wrong));
            assertEquals("C is 4x2, expected 2x4 for A 2x3 times B 3x4", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Matmul.multiply(y, x, wrong));
            assertThrows(NullPointerException.class, () -> Matmul.multiply(x, y, null));
        }
    }
}
