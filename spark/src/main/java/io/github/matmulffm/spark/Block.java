package io.github.matmulffm.spark;

import org.apache.spark.mllib.linalg.DenseMatrix;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.SparseMatrix;
import scala.Tuple2;

import java.io.Serializable;

/**
 * One block of a {@code BlockMatrix} as it travels through a shuffle or a broadcast: a
 * dense block as its column-major values alone (a {@code double[]} serialises as its
 * bytes and a short header), a sparse one as Spark's own matrix, which keeps Spark's
 * path (see {@link BlockProducts}).
 *
 * @param row    block row index
 * @param col    block column index
 * @param dense  column-major values, rows x cols; null for a sparse block
 * @param sparse the sparse block; null for a dense one
 */
record Block(int row, int col, int rows, int cols, double[] dense, SparseMatrix sparse) implements Serializable {

    static Block of(Tuple2<Tuple2<Object, Object>, Matrix> entry) {
        int row = (Integer) entry._1()._1();
        int col = (Integer) entry._1()._2();
        Matrix m = entry._2();
        if (m instanceof SparseMatrix s) {
            return new Block(row, col, s.numRows(), s.numCols(), null, s);
        }
        if (m instanceof DenseMatrix d && !d.isTransposed()) {
            return new Block(row, col, d.numRows(), d.numCols(), d.values(), null);
        }
        // A transposed dense block (or another Matrix): toArray() is column-major.
        return new Block(row, col, m.numRows(), m.numCols(), m.toArray(), null);
    }

    boolean isSparse() {
        return sparse != null;
    }

    Matrix asSpark() {
        return isSparse() ? sparse : new DenseMatrix(rows, cols, dense);
    }

    long denseBytes() {
        return (long) rows * cols * Double.BYTES;
    }
}
