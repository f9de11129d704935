package io.github.matmulffm.examples.recommender;

import java.util.ArrayList;
import java.util.List;

/**
 * The backends that multiply flat row-major {@code double[]}s: each request gathers its
 * cohort's user rows into one (cohort x rank) matrix, multiplies it by the item factors
 * into a (cohort x items) score matrix, and ranks each row. The buffers are per thread:
 * the service's scoring threads are few and long-lived.
 */
abstract class FlatScorer implements Scorer {
    protected final Factors factors;
    private final ThreadLocal<double[][]> buffers = ThreadLocal.withInitial(() -> new double[2][0]);

    FlatScorer(Factors factors) {
        this.factors = factors;
    }

    /** scores (c x items) := cohort (c x rank) x item factors (rank x items). */
    protected abstract void multiply(double[] cohort, int c, double[] scores);

    @Override
    public List<Ranking> recommend(int[] userIds, int k) {
        int c = userIds.length, rank = factors.rank(), items = factors.items();
        double[][] buf = buffers.get();
        if (buf[0].length < c * rank) {
            buf[0] = new double[c * rank];
            buf[1] = new double[c * items];
        }
        double[] cohort = buf[0], scores = buf[1];
        for (int i = 0; i < c; i++) {
            System.arraycopy(factors.userFactors(), (userIds[i] - 1) * rank, cohort, i * rank, rank);
        }
        multiply(cohort, c, scores);
        TopK top = new TopK(k);
        List<Ranking> out = new ArrayList<>(c);
        for (int i = 0; i < c; i++) {
            int row = i * items;
            out.add(top.rank(userIds[i], scores, row, items));
        }
        return out;
    }
}
