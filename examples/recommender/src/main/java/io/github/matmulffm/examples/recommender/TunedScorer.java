package io.github.matmulffm.examples.recommender;

import java.util.Arrays;

/** The best plain Java loop: i-k-j over flat arrays, so the inner loop streams a row of V and one of C (the JIT vectorises it). */
final class TunedScorer extends FlatScorer {
    TunedScorer(Factors factors) {
        super(factors);
    }

    @Override
    public String name() {
        return "tuned";
    }

    @Override
    protected void multiply(double[] cohort, int c, double[] scores) {
        int rank = factors.rank(), items = factors.items();
        double[] v = factors.itemFactors();
        Arrays.fill(scores, 0, c * items, 0);
        for (int i = 0; i < c; i++) {
            int row = i * items;
            for (int p = 0; p < rank; p++) {
                double a = cohort[i * rank + p];
                int vRow = p * items;
                for (int j = 0; j < items; j++) {
                    scores[row + j] += a * v[vRow + j];
                }
            }
        }
    }
}
