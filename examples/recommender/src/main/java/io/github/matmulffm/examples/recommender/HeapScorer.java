package io.github.matmulffm.examples.recommender;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Matmul;
import io.github.matmulffm.Transpose;

/** This library over the service's own {@code double[]}s. */
final class HeapScorer extends FlatScorer {
    HeapScorer(Factors factors) {
        super(factors);
    }

    @Override
    public String name() {
        return "heap";
    }

    @Override
    protected void multiply(double[] cohort, int c, double[] scores) {
        int rank = factors.rank(), items = factors.items();
        Matmul.dgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.NO_TRANS, c, items, rank,
                1.0, cohort, 0, rank, factors.itemFactors(), 0, items, 0.0, scores, 0, items);
    }
}
