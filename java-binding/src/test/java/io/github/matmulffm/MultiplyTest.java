package io.github.matmulffm;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MultiplyTest {

    @Test
    void twoByTwoExampleIsExact() {
        double[][] c = Matmul.multiply(new double[][]{{1, 2}, {3, 4}}, new double[][]{{5, 6}, {7, 8}});
        assertArrayEquals(new double[]{19, 22}, c[0]);
        assertArrayEquals(new double[]{43, 50}, c[1]);
    }

    @Test
    void rectangularProductsMatchTheReferenceOnBothPaths() {
        SplittableRandom random = new SplittableRandom(7);
        // 3x4x5 goes through the critical call; 150x140x130 is copied off-heap.
        for (int[] shape : new int[][]{{3, 4, 5}, {150, 140, 130}, {1, 1, 1}, {1, 200, 1}}) {
            int m = shape[0], n = shape[1], k = shape[2];
            double[][] a = new double[m][k];
            double[][] b = new double[k][n];
            for (double[] row : a) for (int j = 0; j < k; j++) row[j] = random.nextDouble(-1, 1);
            for (double[] row : b) for (int j = 0; j < n; j++) row[j] = random.nextDouble(-1, 1);
            double[][] c = Matmul.multiply(a, b);
            assertEquals(m, c.length);
            for (int i = 0; i < m; i++) {
                assertEquals(n, c[i].length);
                for (int j = 0; j < n; j++) {
                    double expected = 0, magnitude = 0;
                    for (int p = 0; p < k; p++) {
                        expected += a[i][p] * b[p][j];
                        magnitude += Math.abs(a[i][p] * b[p][j]);
                    }
                    assertEquals(expected, c[i][j], 16 * k * Math.ulp(1.0) * magnitude, "C(" + i + "," + j + ") of " + m + "x" + n + "x" + k);
                }
            }
        }
    }

    @Test
    void referenceMessagesForBadMatrices() {
        double[][] twoByTwo = {{1, 2}, {3, 4}};
        assertMessage(IllegalArgumentException.class, "Matrix A cannot be empty", () -> Matmul.multiply(new double[0][], twoByTwo));
        assertMessage(IllegalArgumentException.class, "Matrix A cannot be empty", () -> Matmul.multiply(new double[][]{{}}, twoByTwo));
        assertMessage(IllegalArgumentException.class, "Matrix B cannot be empty", () -> Matmul.multiply(twoByTwo, new double[0][]));
        assertMessage(IllegalArgumentException.class, "Matrix A row 1 has length 3, expected 2",
                () -> Matmul.multiply(new double[][]{{1, 2}, {3, 4, 5}}, twoByTwo));
        assertMessage(IllegalArgumentException.class, "Matrix B row 1 has length 1, expected 2",
                () -> Matmul.multiply(twoByTwo, new double[][]{{1, 2}, {3}}));
        assertMessage(IllegalArgumentException.class, "Incompatible dimensions: A is 2x3, B is 2x2",
                () -> Matmul.multiply(new double[][]{{1, 2, 3}, {4, 5, 6}}, twoByTwo));
        assertMessage(NullPointerException.class, "Matrix A cannot be null", () -> Matmul.multiply(null, twoByTwo));
        assertMessage(NullPointerException.class, "Matrix B cannot be null", () -> Matmul.multiply(twoByTwo, null));
        assertMessage(NullPointerException.class, "Matrix A row 1 is null", () -> Matmul.multiply(new double[][]{{1, 2}, null}, twoByTwo));
    }

    static void assertMessage(Class<? extends Throwable> type, String message, org.junit.jupiter.api.function.Executable call) {
        Throwable thrown = assertThrows(type, call);
        assertEquals(message, thrown.getMessage());
    }
}
