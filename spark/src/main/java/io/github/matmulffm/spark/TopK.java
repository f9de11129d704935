package io.github.matmulffm.spark;

/**
 * The k best (score, item) pairs of one user, kept sorted best first, without storing the
 * rest: an offer below the current k-th best costs one comparison, which is what nearly
 * every offer is once the list is full. Ties keep the item offered first.
 */
final class TopK {
    private final float[] scores;
    private final int[] items;
    private int size;

    TopK(int k) {
        scores = new float[k];
        items = new int[k];
    }

    void clear() {
        size = 0;
    }

    int size() {
        return size;
    }

    float score(int rank) {
        return scores[rank];
    }

    int item(int rank) {
        return items[rank];
    }

    /** The lowest score that can still enter, or -infinity while the list is not full. */
    float threshold() {
        return size < scores.length ? Float.NEGATIVE_INFINITY : scores[size - 1];
    }

    /** Offers every score of {@code row[from, to)}, item ids {@code ids[from, to)}. */
    void offerAll(float[] row, int from, int to, int[] ids, int idOffset) {
        float floor = threshold();
        for (int j = from; j < to; j++) {
            float s = row[j];
            if (s > floor) {
                insert(s, ids[idOffset + j]);
                floor = threshold();
            }
        }
    }

    private void insert(float score, int item) {
        int at = Math.min(size, scores.length - 1);
        while (at > 0 && scores[at - 1] < score) {
            if (at < scores.length) {
                scores[at] = scores[at - 1];
                items[at] = items[at - 1];
            }
            at--;
        }
        scores[at] = score;
        items[at] = item;
        if (size < scores.length) {
            size++;
        }
    }
}
