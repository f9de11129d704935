package io.github.matmulffm.examples.recommender;

/** One user's top items, best first, with their scores. */
public record Ranking(int user, int[] items, double[] scores) {
}
