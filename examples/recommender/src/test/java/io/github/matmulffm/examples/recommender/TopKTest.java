package io.github.matmulffm.examples.recommender;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Comparator;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** TopK against a full sort, over seeded random rows with ties and NaNs (400 cases). */
class TopKTest {
    static Stream<Long> seeds() {
        return LongStream.range(1, 401).boxed();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void equalsTheFirstKOfASortedRow(long seed) {
        SplitMix64 random = new SplitMix64(seed);
        int n = 1 + random.nextInt(300);
        int k = 1 + random.nextInt(n);
        // Few distinct values, so ties are common; now and then a NaN.
        int distinct = 1 + random.nextInt(20);
        double[] row = new double[n];
        for (int j = 0; j < n; j++) {
            row[j] = random.nextInt(50) == 0 ? Double.NaN : random.nextInt(distinct) - distinct / 2.0;
        }
        TopK top = new TopK(k);
        Ranking got = top.rank(7, row, 0, n);
        // The same row off-heap, and the same TopK reused, give the same ranking.
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment seg = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_DOUBLE, row);
            Ranking again = top.rank(7, seg, 0, n);
            assertArrayEquals(got.items(), again.items());
            assertArrayEquals(got.scores(), again.scores());
        }

        Comparator<Integer> best = (a, b) -> {
            boolean nanA = Double.isNaN(row[a]), nanB = Double.isNaN(row[b]);
            if (nanA != nanB) {
                return nanA ? 1 : -1;
            }
            int byScore = nanA ? 0 : Double.compare(row[b], row[a]);
            return byScore != 0 ? byScore : Integer.compare(a, b);
        };
        int[] expected = IntStream.range(0, n).boxed().sorted(best).limit(k).mapToInt(j -> j + 1).toArray();
        assertEquals(7, got.user());
        assertArrayEquals(expected, got.items(), "n " + n + ", k " + k);
        for (int i = 0; i < k; i++) {
            assertEquals(row[expected[i] - 1], got.scores()[i]);
        }
    }
}
