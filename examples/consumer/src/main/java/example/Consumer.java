package example;

import io.github.matmulffm.Matmul;

import java.util.Arrays;

/** Multiplies the 2x2 example and shows the error for a mismatched pair; exits 1 on a wrong answer. */
public class Consumer {
    public static void main(String[] args) {
        double[][] c = Matmul.multiply(new double[][]{{1, 2}, {3, 4}}, new double[][]{{5, 6}, {7, 8}});
        System.out.println("[[1,2],[3,4]] x [[5,6],[7,8]] = " + Arrays.deepToString(c));
        String message = null;
        try {
            Matmul.multiply(new double[][]{{1, 2, 3}, {4, 5, 6}}, new double[][]{{1, 2}, {3, 4}});
        } catch (IllegalArgumentException e) {
            message = e.getMessage();
        }
        System.out.println("mismatched pair: " + message);
        System.out.println("kernel: " + Matmul.info());
        boolean ok = Arrays.deepEquals(c, new double[][]{{19, 22}, {43, 50}})
                && "Incompatible dimensions: A is 2x3, B is 2x2".equals(message);
        if (!ok) {
            System.err.println("unexpected result");
            System.exit(1);
        }
    }
}
