package io.github.matmulffm.bench;

/** The two pure-Java loops the native code is measured against. */
public final class JavaLoops {
    private JavaLoops() {
    }

    /** The reference: the textbook i-j-k loop over {@code double[][]}, C := A * B (square n x n). */
    public static void naive(double[][] a, double[][] b, double[][] c) {
        int n = a.length;
        for (int i = 0; i < n; i++) {
            double[] ai = a[i];
            double[] ci = c[i];
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < n; p++) {
                    sum += ai[p] * b[p][j];
                }
                ci[j] = sum;
            }
        }
    }

    /**
     * The loop a careful Java programmer writes: i-k-j over flat row-major {@code double[]},
     * so the inner loop streams a row of B into a row of C (unit stride, auto-vectorised).
     */
    public static void tuned(int n, double[] a, double[] b, double[] c) {
        for (int i = 0; i < n; i++) {
            int ci = i * n;
            java.util.Arrays.fill(c, ci, ci + n, 0.0);
            for (int p = 0; p < n; p++) {
                double aip = a[ci + p];
                int bp = p * n;
                for (int j = 0; j < n; j++) {
                    c[ci + j] += aip * b[bp + j];
                }
            }
        }
    }
}
