package io.github.matmulffm.spark;

import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.distributed.BlockMatrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parity gauge of DESIGN.md on a distributed product: every element of C within
 * 16 * k * eps * (|A| |B|)_ij of a pure-Java reference computed on the driver.
 */
final class Gauge {
    private Gauge() {
    }

    static double[][] local(BlockMatrix m) {
        Matrix whole = m.toLocalMatrix();
        double[][] out = new double[whole.numRows()][whole.numCols()];
        for (int i = 0; i < whole.numRows(); i++) {
            for (int j = 0; j < whole.numCols(); j++) {
                out[i][j] = whole.apply(i, j);
            }
        }
        return out;
    }

    /** The largest error ratio of {@code c} against A * B (a ratio of 16 fails, as in dblat3). */
    static double worstRatio(double[][] a, double[][] b, double[][] c) {
        return worstRatio(a, b, c, null);
    }

    /**
     * As {@link #worstRatio(double[][], double[][], double[][])} against {@code other}'s
     * elements instead of the reference sums (two products that each pass stay under 32).
     */
    static double worstRatio(double[][] a, double[][] b, double[][] c, double[][] other) {
        int m = a.length, k = b.length, n = b[0].length;
        assertEquals(m, c.length, "rows of C");
        assertEquals(n, c[0].length, "columns of C");
        double eps = Math.ulp(1.0) / 2;
        double worst = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0, bound = 0;
                for (int p = 0; p < k; p++) {
                    sum += a[i][p] * b[p][j];
                    bound += Math.abs(a[i][p]) * Math.abs(b[p][j]);
                }
                double error = Math.abs(c[i][j] - (other == null ? sum : other[i][j]));
                assertTrue(Double.isFinite(c[i][j]), "C(" + i + ", " + j + ") = " + c[i][j]);
                worst = Math.max(worst, error / (Math.max(k, 1) * eps * bound + Double.MIN_NORMAL));
            }
        }
        return worst;
    }
}
