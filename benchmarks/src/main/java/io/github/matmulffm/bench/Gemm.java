package io.github.matmulffm.bench;

/**
 * One implementation set up on one problem: C := A * B for square n x n random matrices,
 * its inputs and output allocated once, so {@link #multiply()} times the product alone.
 */
public interface Gemm extends AutoCloseable {

    /** Runs one product and returns C (an array, matrix or segment) for JMH to consume. */
    Object multiply();

    /** Element (i, j) of C after {@link #multiply()}. */
    double c(int i, int j);

    /** Restores thread settings and frees off-heap memory. */
    @Override
    void close();
}
