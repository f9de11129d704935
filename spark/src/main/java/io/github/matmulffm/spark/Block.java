package io.github.matmulffm.spark;

import org.apache.spark.mllib.linalg.DenseMatrix;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.SparseMatrix;
import scala.Tuple2;

import java.io.Externalizable;
import java.io.IOException;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One block of a {@code BlockMatrix} as it travels through a shuffle or a broadcast: a
 * dense block as its column-major values alone, a sparse one as Spark's own matrix, which
 * keeps Spark's path (see {@link BlockProducts}).
 *
 * <p>A dense block is written as its raw bytes in 64 KiB chunks: Java serialisation of a
 * {@code double[]} converts every element on its own, which made the shuffle's map side
 * about as slow as the products it feeds (benchmarks/NOTES.md, "Scale-out on Spark").
 */
final class Block implements Externalizable {
    private static final int CHUNK_BYTES = 64 << 10;
    private static final long serialVersionUID = 1L;

    private int row;
    private int col;
    private int rows;
    private int cols;
    /** Column-major values, rows x cols; null for a sparse block. */
    private double[] dense;
    /** The sparse block; null for a dense one. */
    private SparseMatrix sparse;

    /** For deserialisation only. */
    public Block() {
    }

    Block(int row, int col, int rows, int cols, double[] dense, SparseMatrix sparse) {
        this.row = row;
        this.col = col;
        this.rows = rows;
        this.cols = cols;
        this.dense = dense;
        this.sparse = sparse;
    }

    /**
     * Sparse blocks at least this dense go to the kernel as dense ones. Spark's
     * {@code CoordinateMatrix.toBlockMatrix} stores every block sparse, dense data included;
     * a sparse product runs at a few GFLOP/s against the kernel's tens, so from about one
     * entry in sixteen the dense product is faster, zeros and all.
     */
    static final double DENSE_ENOUGH = 1.0 / 16;

    static Block of(Tuple2<Tuple2<Object, Object>, Matrix> entry) {
        int row = (Integer) entry._1()._1();
        int col = (Integer) entry._1()._2();
        Matrix m = entry._2();
        if (m instanceof SparseMatrix s) {
            if (s.numActives() >= DENSE_ENOUGH * s.numRows() * s.numCols()) {
                return new Block(row, col, s.numRows(), s.numCols(), s.toArray(), null);
            }
            return new Block(row, col, s.numRows(), s.numCols(), null, s);
        }
        if (m instanceof DenseMatrix d && !d.isTransposed()) {
            return new Block(row, col, d.numRows(), d.numCols(), d.values(), null);
        }
        // A transposed dense block (or another Matrix): toArray() is column-major.
        return new Block(row, col, m.numRows(), m.numCols(), m.toArray(), null);
    }

    int row() {
        return row;
    }

    int col() {
        return col;
    }

    int rows() {
        return rows;
    }

    int cols() {
        return cols;
    }

    double[] dense() {
        return dense;
    }

    SparseMatrix sparse() {
        return sparse;
    }

    boolean isSparse() {
        return sparse != null;
    }

    Matrix asSpark() {
        return isSparse() ? sparse : new DenseMatrix(rows, cols, dense);
    }

    @Override
    public void writeExternal(ObjectOutput out) throws IOException {
        out.writeInt(row);
        out.writeInt(col);
        out.writeInt(rows);
        out.writeInt(cols);
        out.writeBoolean(isSparse());
        if (isSparse()) {
            out.writeObject(sparse);
            return;
        }
        byte[] chunk = new byte[CHUNK_BYTES];
        MemorySegment bytes = MemorySegment.ofArray(chunk);
        int perChunk = CHUNK_BYTES / Double.BYTES;
        for (int at = 0; at < dense.length; at += perChunk) {
            int count = Math.min(perChunk, dense.length - at);
            MemorySegment.copy(dense, at, bytes, ValueLayout.JAVA_DOUBLE_UNALIGNED, 0, count);
            out.write(chunk, 0, count * Double.BYTES);
        }
    }

    @Override
    public void readExternal(ObjectInput in) throws IOException, ClassNotFoundException {
        row = in.readInt();
        col = in.readInt();
        rows = in.readInt();
        cols = in.readInt();
        if (in.readBoolean()) {
            sparse = (SparseMatrix) in.readObject();
            return;
        }
        dense = new double[Math.multiplyExact(rows, cols)];
        byte[] chunk = new byte[CHUNK_BYTES];
        MemorySegment bytes = MemorySegment.ofArray(chunk);
        int perChunk = CHUNK_BYTES / Double.BYTES;
        for (int at = 0; at < dense.length; at += perChunk) {
            int count = Math.min(perChunk, dense.length - at);
            in.readFully(chunk, 0, count * Double.BYTES);
            MemorySegment.copy(bytes, ValueLayout.JAVA_DOUBLE_UNALIGNED, 0, dense, at, count);
        }
    }
}
