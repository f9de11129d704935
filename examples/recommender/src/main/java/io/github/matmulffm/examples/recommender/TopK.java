package io.github.matmulffm.examples.recommender;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The k best of a row of scores without sorting the row: a min-heap of size k, so a row of
 * n items costs n comparisons and at most n log k moves. Ties go to the lower item id, so
 * every backend ranks equal scores alike; NaN ranks below every number.
 *
 * <p>The scan reads the row directly (a {@code double[]} or an off-heap segment) and
 * rejects most scores with one comparison against the heap's worst: a call through an
 * interface per score cost as much as a third of the product it ranks.
 */
public final class TopK {
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE;

    private final int[] items;
    private final double[] scores;
    private int size;

    public TopK(int k) {
        items = new int[k];
        scores = new double[k];
    }

    /** The top k of {@code row[offset .. offset + n)}; item ids are index + 1. */
    public Ranking rank(int user, double[] row, int offset, int n) {
        size = 0;
        double floor = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            double s = row[offset + j];
            // Scanning in item order, an equal score never displaces an earlier item.
            if (s > floor || size < items.length || s != s) {
                floor = offer(j, s);
            }
        }
        return drain(user);
    }

    /** The top k of the n doubles of {@code row} from element {@code index} on. */
    public Ranking rank(int user, MemorySegment row, long index, int n) {
        size = 0;
        double floor = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            double s = row.getAtIndex(D, index + j);
            if (s > floor || size < items.length || s != s) {
                floor = offer(j, s);
            }
        }
        return drain(user);
    }

    /** Offers (s, j); returns the score a later one must beat to get in (-inf while there is room or a NaN is kept). */
    private double offer(int j, double s) {
        int k = items.length;
        if (size < k) {
            items[size] = j;
            scores[size] = s;
            siftUp(size++);
        } else if (better(s, j, scores[0], items[0])) {
            items[0] = j;
            scores[0] = s;
            siftDown(0, k);
        }
        return size < k || Double.isNaN(scores[0]) ? Double.NEGATIVE_INFINITY : scores[0];
    }

    private Ranking drain(int user) {
        // Pop the heap (worst first) into the result from the back.
        int[] topItems = new int[size];
        double[] topScores = new double[size];
        for (int last = size - 1; last >= 0; last--) {
            topItems[last] = items[0] + 1;
            topScores[last] = scores[0];
            items[0] = items[last];
            scores[0] = scores[last];
            siftDown(0, last);
        }
        size = 0;
        return new Ranking(user, topItems, topScores);
    }

    /** Whether (s, j) ranks above (t, i). */
    private static boolean better(double s, int j, double t, int i) {
        if (Double.isNaN(t)) {
            return !Double.isNaN(s) || j < i;
        }
        return s > t || (s == t && j < i);
    }
    private void siftUp(int at) {
        while (at > 0) {
            int parent = (at - 1) / 2;
            if (!better(scores[parent], items[parent], scores[at], items[at])) {
                return;
            }
            swap(at, parent);
            at = parent;
        }
    }

    private void siftDown(int at, int size) {
        while (true) {
            int worst = at;
            for (int child = 2 * at + 1; child <= 2 * at + 2 && child < size; child++) {
                if (better(scores[worst], items[worst], scores[child], items[child])) {
                    worst = child;
                }
            }
            if (worst == at) {
                return;
            }
            swap(at, worst);
            at = worst;
        }
    }

    private void swap(int a, int b) {
        int item = items[a];
        items[a] = items[b];
        items[b] = item;
        double score = scores[a];
        scores[a] = scores[b];
        scores[b] = score;
    }
}
