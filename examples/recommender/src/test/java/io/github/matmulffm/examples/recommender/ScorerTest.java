package io.github.matmulffm.examples.recommender;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every backend against a reference computed here (sum in order, per pair): the scores
 * agree to 1e-12 relative and the items are the reference's top k, where near-ties may
 * swap places only within that tolerance.
 */
class ScorerTest {
    static final Factors FACTORS = random(300, 137, 61, 3);
    static final List<Scorer> SCORERS = new ArrayList<>();

    static Factors random(int users, int items, int rank, long seed) {
        SplitMix64 r = new SplitMix64(seed);
        double[] u = new double[users * rank], v = new double[rank * items];
        for (int i = 0; i < u.length; i++) {
            u[i] = r.nextSigned();
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextSigned();
        }
        return new Factors(users, items, rank, u, v);
    }

    static double reference(Factors f, int user, int item) {
        double s = 0;
        for (int p = 0; p < f.rank(); p++) {
            s += f.userFactors()[(user - 1) * f.rank() + p] * f.itemFactors()[p * f.items() + (item - 1)];
        }
        return s;
    }

    @BeforeAll
    static void create() {
        for (String b : Scorer.BACKENDS) {
            SCORERS.add(Scorer.create(b, FACTORS));
        }
    }

    @AfterAll
    static void close() {
        SCORERS.forEach(Scorer::close);
    }

    static Stream<Object[]> cases() {
        List<Object[]> cases = new ArrayList<>();
        for (String b : Scorer.BACKENDS) {
            for (int cohort : new int[]{1, 2, 17, 300}) {
                for (int k : new int[]{1, 10, 137}) {
                    cases.add(new Object[]{b, cohort, k});
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}: cohort {1}, k {2}")
    @MethodSource("cases")
    void matchesTheReference(String backend, int cohort, int k) {
        Scorer scorer = SCORERS.get(Scorer.BACKENDS.indexOf(backend));
        assertEquals(backend, scorer.name());
        SplitMix64 r = new SplitMix64(cohort * 31L + k);
        int[] users = new int[cohort];
        for (int i = 0; i < cohort; i++) {
            users[i] = 1 + r.nextInt(FACTORS.users()); // repeats allowed, as in a request
        }
        // Twice: the second call reuses the backend's per-thread buffers.
        for (int round = 0; round < 2; round++) {
            List<Ranking> got = scorer.recommend(users, k);
            assertEquals(cohort, got.size());
            for (int i = 0; i < cohort; i++) {
                Ranking ranking = got.get(i);
                assertEquals(users[i], ranking.user());
                assertEquals(k, ranking.items().length);
                double[] all = new double[FACTORS.items()];
                for (int j = 0; j < all.length; j++) {
                    all[j] = reference(FACTORS, users[i], j + 1);
                }
                double[] sorted = all.clone();
                java.util.Arrays.sort(sorted);
                double kth = sorted[sorted.length - k];
                for (int t = 0; t < k; t++) {
                    int item = ranking.items()[t];
                    double exact = all[item - 1];
                    assertEquals(exact, ranking.scores()[t], 1e-12 * Math.max(1, Math.abs(exact)), backend + " score of item " + item);
                    assertTrue(exact >= kth - 1e-12, backend + ": item " + item + " is not in the top " + k);
                    if (t > 0) {
                        assertTrue(ranking.scores()[t - 1] >= ranking.scores()[t], "not best first");
                    }
                }
            }
        }
    }
}
