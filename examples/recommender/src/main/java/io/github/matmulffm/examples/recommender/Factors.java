package io.github.matmulffm.examples.recommender;

/**
 * The model a request scores against, as loaded from the database: user factors
 * (users x rank, row-major, user id {@code u} at row {@code u - 1}) and item factors
 * (rank x items, row-major: item id {@code i} in column {@code i - 1}), so that a cohort's
 * scores are one product {@code U[cohort] x V}.
 */
public record Factors(int users, int items, int rank, double[] userFactors, double[] itemFactors) {
    public Factors {
        if (userFactors.length != (long) users * rank || itemFactors.length != (long) rank * items) {
            throw new IllegalArgumentException("factor arrays do not match " + users + " users, " + items + " items, rank " + rank);
        }
    }

    public boolean hasUser(long id) {
        return id >= 1 && id <= users;
    }
}
