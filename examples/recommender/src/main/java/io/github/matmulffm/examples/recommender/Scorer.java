package io.github.matmulffm.examples.recommender;

import java.util.List;

/**
 * Scores a cohort of users against every item and keeps each user's top k: one
 * (cohort x rank) times (rank x items) product and a bounded top-k per row. The backends
 * differ only in how they multiply.
 */
public interface Scorer extends AutoCloseable {
    /** The backends, by the names the {@code --backend} flag takes. */
    List<String> BACKENDS = List.of("naive", "tuned", "vectorblas", "heap", "off-heap");

    String name();

    /** The top {@code k} items of each user, in the cohort's order; ids are known and k is in range. */
    List<Ranking> recommend(int[] userIds, int k);

    @Override
    default void close() {
    }

    static Scorer create(String backend, Factors factors) {
        return switch (backend) {
            case "naive" -> new NaiveScorer(factors);
            case "tuned" -> new TunedScorer(factors);
            case "vectorblas" -> new VectorBlasScorer(factors);
            case "heap" -> new HeapScorer(factors);
            case "off-heap" -> new OffHeapScorer(factors);
            default -> throw new IllegalArgumentException("unknown backend " + backend + "; one of " + BACKENDS);
        };
    }
}
