package io.github.matmulffm;

import io.github.matmulffm.internal.OwnedMemory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Reference;
import java.util.Objects;

/**
 * A row-major matrix of doubles in off-heap memory that it owns: keep large data here to
 * multiply without copies, and close it (try-with-resources) to free the memory at once.
 * A matrix dropped without {@code close()} is freed after the garbage collector finds it
 * (keep the matrix itself reachable while you use its {@link #segment()}).
 * Usable from any thread; after {@link #close()} every access throws
 * {@link IllegalStateException}, and {@code close()} while a multiply is using the matrix
 * is refused with one.
 */
public final class OffHeapMatrix implements AutoCloseable {
    private final OwnedMemory memory;
    private final MemorySegment segment;
    private final int rows;
    private final int cols;

    private OffHeapMatrix(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("rows and cols must be >= 0, but were " + rows + "x" + cols);
        }
        // Two ints multiply past 2^63 bytes only after the int product itself: check both.
        long bytes;
        try {
            bytes = Math.multiplyExact(Math.multiplyExact((long) rows, (long) cols), ValueLayout.JAVA_DOUBLE.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("a " + rows + "x" + cols + " matrix of doubles needs more than 2^63 bytes");
        }
        this.rows = rows;
        this.cols = cols;
        this.memory = OwnedMemory.allocate(this, bytes, 64);
        this.segment = memory.segment();
    }

    /** A rows x cols matrix of zeros. */
    public static OffHeapMatrix allocate(int rows, int cols) {
        return new OffHeapMatrix(rows, cols);
    }

    /** An off-heap copy of a rectangular, non-empty {@code double[][]}. */
    public static OffHeapMatrix of(double[][] data) {
        int cols = Matmul.checkRectangular("A", data);
        OffHeapMatrix matrix = new OffHeapMatrix(data.length, cols);
        for (int row = 0; row < data.length; row++) {
            MemorySegment.copy(data[row], 0, matrix.segment, ValueLayout.JAVA_DOUBLE, matrix.offset(row, 0), cols);
        }
        return matrix;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public double get(int row, int col) {
        try {
            return segment.get(ValueLayout.JAVA_DOUBLE, offset(row, col));
        } finally {
            // The cleaner must not free the memory while this matrix is still being read.
            Reference.reachabilityFence(this);
        }
    }

    public void set(int row, int col, double value) {
        try {
            segment.set(ValueLayout.JAVA_DOUBLE, offset(row, col), value);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The memory itself (row-major, leading dimension {@code cols}), for the segment DGEMM. */
    public MemorySegment segment() {
        return segment;
    }

    /** A new matrix holding this * other. */
    public OffHeapMatrix multiply(OffHeapMatrix other) {
        Objects.requireNonNull(other, "other");
        OffHeapMatrix product = allocate(rows, other.cols);
        try {
            Matmul.multiply(this, other, product);
            return product;
        } catch (RuntimeException e) {
            product.close();
            throw e;
        }
    }

    /** A heap copy. */
    public double[][] toArray() {
        try {
            return Matmul.unflatten(segment, rows, cols);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Frees the memory. Closing twice is allowed; using the matrix afterwards is not.
     *
     * @throws IllegalStateException while a multiply is using this matrix (it stays open)
     */
    @Override
    public void close() {
        try {
            memory.free();
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private long offset(int row, int col) {
        Objects.checkIndex(row, rows);
        Objects.checkIndex(col, cols);
        return ((long) row * cols + col) * Double.BYTES;
    }
}
