package io.github.matmulffm.examples.recommender;

import java.util.ArrayList;
import java.util.List;

/** The loop as first written: i-j-k over {@code double[][]}, the inner loop striding down a column of V. */
final class NaiveScorer implements Scorer {
    private final double[][] users;
    private final double[][] itemFactors;
    private final int items;

    NaiveScorer(Factors f) {
        int rank = f.rank();
        items = f.items();
        users = new double[f.users()][rank];
        for (int u = 0; u < f.users(); u++) {
            System.arraycopy(f.userFactors(), u * rank, users[u], 0, rank);
        }
        itemFactors = new double[rank][items];
        for (int p = 0; p < rank; p++) {
            System.arraycopy(f.itemFactors(), p * items, itemFactors[p], 0, items);
        }
    }

    @Override
    public String name() {
        return "naive";
    }

    @Override
    public List<Ranking> recommend(int[] userIds, int k) {
        int c = userIds.length, rank = itemFactors.length;
        double[][] scores = new double[c][items];
        for (int i = 0; i < c; i++) {
            double[] u = users[userIds[i] - 1];
            for (int j = 0; j < items; j++) {
                double sum = 0;
                for (int p = 0; p < rank; p++) {
                    sum += u[p] * itemFactors[p][j];
                }
                scores[i][j] = sum;
            }
        }
        TopK top = new TopK(k);
        List<Ranking> out = new ArrayList<>(c);
        for (int i = 0; i < c; i++) {
            double[] row = scores[i];
            out.add(top.rank(userIds[i], row, 0, items));
        }
        return out;
    }
}
