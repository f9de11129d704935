package io.github.matmulffm;

import java.util.Arrays;

/** Entry point of the child JVMs of {@link PackagedJarIT}: multiply, print, exit 0; or print the load error and exit 3. */
public final class ChildMain {
    private ChildMain() {
    }

    public static void main(String[] args) {
        try {
            double[][] c = Matmul.multiply(new double[][]{{1, 2}, {3, 4}}, new double[][]{{5, 6}, {7, 8}});
            System.out.println(Arrays.toString(new double[]{c[0][0], c[0][1], c[1][0], c[1][1]}));
            System.out.println("loaded " + Matmul.info().libraryPath());
        } catch (NativeLibraryException e) {
            System.out.println(e.getMessage());
            System.exit(3);
        }
    }
}
