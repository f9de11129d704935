package io.github.matmulffm.examples.recommender;

import dev.ludovic.netlib.blas.JavaBLAS;

/**
 * netlib's Java BLAS: VectorBLAS (the incubating Vector API) when the JVM has
 * {@code jdk.incubator.vector}, what Spark uses on JDK 16+ without native code. Its
 * dgemm is Fortran's (column-major): the row-major product C = U V is the column-major
 * C^T = V^T U^T over the same memory.
 */
final class VectorBlasScorer extends FlatScorer {
    private final dev.ludovic.netlib.blas.BLAS blas = JavaBLAS.getInstance();

    VectorBlasScorer(Factors factors) {
        super(factors);
    }

    @Override
    public String name() {
        return "vectorblas";
    }

    /** The class netlib picked (VectorBLAS, or Java11BLAS without the Vector API). */
    String implementation() {
        return blas.getClass().getSimpleName();
    }

    @Override
    protected void multiply(double[] cohort, int c, double[] scores) {
        int rank = factors.rank(), items = factors.items();
        blas.dgemm("N", "N", items, c, rank, 1.0, factors.itemFactors(), items, cohort, rank, 0.0, scores, items);
    }
}
