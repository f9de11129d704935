package io.github.matmulffm;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/** A pure-Java strided GEMM and the error gauge of DESIGN.md, shared by the tests. */
final class Reference {
    private Reference() {
    }

    /** Index of stored element (row, col) in a matrix with this layout and leading dimension. */
    static long index(Layout layout, long row, long col, long ld) {
        return layout == Layout.ROW_MAJOR ? row * ld + col : row + col * ld;
    }

    /** op(X)(i, j) of a stored matrix. */
    static long opIndex(Layout layout, Transpose trans, long i, long j, long ld) {
        return trans == Transpose.TRANS ? index(layout, j, i, ld) : index(layout, i, j, ld);
    }

    /** Minimal leading dimension of op(X) rows x cols, plus padding. */
    static int ld(Layout layout, Transpose trans, int opRows, int opCols, int padding) {
        int storedRows = trans == Transpose.TRANS ? opCols : opRows;
        int storedCols = trans == Transpose.TRANS ? opRows : opCols;
        return Math.max(1, layout == Layout.ROW_MAJOR ? storedCols : storedRows) + padding;
    }

    /** Elements a stored matrix reaches: (outer - 1) * ld + inner. */
    static int reach(Layout layout, Transpose trans, int opRows, int opCols, int ld) {
        int storedRows = trans == Transpose.TRANS ? opCols : opRows;
        int storedCols = trans == Transpose.TRANS ? opRows : opCols;
        int outer = layout == Layout.ROW_MAJOR ? storedRows : storedCols;
        int inner = layout == Layout.ROW_MAJOR ? storedCols : storedRows;
        return outer == 0 || inner == 0 ? 0 : (outer - 1) * ld + inner;
    }

    static double[] random(SplittableRandom random, int length) {
        double[] values = new double[length];
        for (int i = 0; i < length; i++) {
            values[i] = random.nextDouble(-1, 1);
        }
        return values;
    }

    /**
     * Checks every element of C's m x n window against alpha op(A) op(B) + beta C0 within
     * 16 * k * eps * (|alpha| |op(A)| |op(B)| + |beta| |C0|) and every other element of C
     * unchanged from C0.
     */
    static void assertGemm(Layout layout, Transpose ta, Transpose tb, int m, int n, int k, double alpha,
                           double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double beta,
                           double[] c0, double[] c, int cOff, int ldc, double eps, String context) {
        boolean[] inWindow = new boolean[c.length];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int ci = cOff + (int) index(layout, i, j, ldc);
                inWindow[ci] = true;
                double sum = 0;
                double magnitude = 0;
                for (int p = 0; p < k; p++) {
                    double x = a[aOff + (int) opIndex(layout, ta, i, p, lda)];
                    double y = b[bOff + (int) opIndex(layout, tb, p, j, ldb)];
                    sum += x * y;
                    magnitude += Math.abs(x * y);
                }
                double expected = alpha == 0 || k == 0 ? 0 : alpha * sum;
                double bound = Math.abs(alpha) * magnitude;
                if (beta != 0) {
                    expected += beta * c0[ci];
                    bound += Math.abs(beta * c0[ci]);
                }
                double tolerance = 16 * Math.max(k, 1) * eps * bound + Double.MIN_NORMAL;
                if (!(Math.abs(c[ci] - expected) <= tolerance)) {
                    fail(context + ": C(" + i + "," + j + ") = " + c[ci] + ", expected " + expected + " +- " + tolerance);
                }
            }
        }
        for (int idx = 0; idx < c.length; idx++) {
            if (!inWindow[idx] && Double.compare(c[idx], c0[idx]) != 0) {
                fail(context + ": element " + idx + " of c outside the m x n window changed from " + c0[idx] + " to " + c[idx]);
            }
        }
    }
}
