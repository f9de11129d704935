package io.github.matmulffm.spark;

import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link AllUsersTopK} against {@code ALSModel.recommendForAllUsers} on a model fitted here. */
class AllUsersTopKTest {
    private static ALSModel model;

    @BeforeAll
    static void fit() {
        SparkSession spark = LocalSpark.get();
        // 600 users x 5000 items (two item slices of 4096), 8 ratings each, seeded.
        List<Row> ratings = new ArrayList<>();
        long state = 42;
        for (int user = 0; user < 600; user++) {
            for (int r = 0; r < 8; r++) {
                state = RandomBlocks.mix(state + 0x9E3779B97F4A7C15L);
                int item = (int) Long.remainderUnsigned(state, 5000);
                ratings.add(RowFactory.create(user, item, (float) (1 + Long.remainderUnsigned(state >>> 20, 5))));
            }
        }
        StructType schema = new StructType().add("user", DataTypes.IntegerType).add("item", DataTypes.IntegerType)
                .add("rating", DataTypes.FloatType);
        Dataset<Row> frame = spark.createDataFrame(ratings, schema).repartition(3);
        model = new ALS().setRank(8).setMaxIter(2).setRegParam(0.1).setSeed(7).setUserCol("user").setItemCol("item")
                .setRatingCol("rating").fit(frame);
    }

    private static Map<Integer, List<Row>> byUser(Dataset<Row> recommendations) {
        Map<Integer, List<Row>> out = new HashMap<>();
        for (Row row : recommendations.collectAsList()) {
            assertTrue(out.put(row.getInt(0), row.getList(1)) == null, "user " + row.getInt(0) + " twice");
        }
        return out;
    }

    @Test
    void theSameTopKAsRecommendForAllUsers() {
        int k = 10;
        Dataset<Row> spark = model.recommendForAllUsers(k);
        Dataset<Row> ours = AllUsersTopK.recommendForAllUsers(model, k);
        assertEquals(spark.schema(), ours.schema(), "the output schema");
        Map<Integer, List<Row>> expected = byUser(spark), actual = byUser(ours);
        assertEquals(expected.keySet(), actual.keySet(), "users");
        int compared = 0;
        for (var entry : expected.entrySet()) {
            List<Row> want = entry.getValue(), got = actual.get(entry.getKey());
            assertEquals(want.size(), got.size(), "user " + entry.getKey());
            for (int r = 0; r < want.size(); r++) {
                float wantScore = want.get(r).getFloat(1), gotScore = got.get(r).getFloat(1);
                // Spark scores with sdot, we with sgemm: the same sum, rounded in another order.
                assertEquals(wantScore, gotScore, 1e-5f * Math.max(1, Math.abs(wantScore)),
                        "user " + entry.getKey() + " rank " + r);
                if (r > 0) {
                    assertTrue(got.get(r - 1).getFloat(1) >= gotScore, "user " + entry.getKey() + ": not best first");
                }
            }
            // The same items, except where a near-tie at the k-th score makes the choice a
            // matter of rounding: every item clearly above the k-th score is in both lists.
            float clear = want.get(want.size() - 1).getFloat(1) + 1e-4f;
            java.util.Set<Integer> wantClear = new java.util.TreeSet<>(), gotClear = new java.util.TreeSet<>();
            for (int r = 0; r < want.size(); r++) {
                if (want.get(r).getFloat(1) > clear) {
                    wantClear.add(want.get(r).getInt(0));
                }
                if (got.get(r).getFloat(1) > clear) {
                    gotClear.add(got.get(r).getInt(0));
                }
            }
            assertEquals(wantClear, gotClear, "user " + entry.getKey() + ": the items clearly in the top " + k);
            compared += wantClear.size();
        }
        assertTrue(compared > 5000, "too few items compared outside ties: " + compared);
    }

    @Test
    void moreItemsAskedThanThereAreGivesEveryItem() {
        Dataset<Row> items = model.itemFactors().limit(5);
        Dataset<Row> users = model.userFactors().limit(3);
        List<Row> rows = AllUsersTopK.recommendForAllUsers(users, items, 10, "user", "item").collectAsList();
        assertEquals(3, rows.size());
        for (Row row : rows) {
            assertEquals(5, row.getList(1).size(), "user " + row.getInt(0));
        }
    }

    @Test
    void badInputIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AllUsersTopK.recommendForAllUsers(model, 0));
        assertEquals("k must be at least 1, but was 0", e.getMessage());
        SparkSession spark = LocalSpark.get();
        StructType factors = new StructType().add("id", DataTypes.IntegerType)
                .add("features", DataTypes.createArrayType(DataTypes.FloatType));
        Dataset<Row> users = spark.createDataFrame(List.of(RowFactory.create(1, new float[] {1, 2, 3})), factors);
        Dataset<Row> items = spark.createDataFrame(List.of(RowFactory.create(9, new float[] {1, 2})), factors);
        Exception failed = assertThrows(Exception.class,
                () -> AllUsersTopK.recommendForAllUsers(users, items, 1, "user", "item").collectAsList());
        assertTrue(String.valueOf(failed.getMessage()).contains("the factors' ranks differ: user 1 has 3 features, the items have 2"),
                failed.getMessage());
    }

    @Test
    void topKKeepsTheBestFirstAndTheFirstOfEqualScores() {
        TopK top = new TopK(3);
        float[] scores = {0.5f, 2f, Float.NaN, 1f, 2f, -1f, 3f};
        int[] ids = {10, 11, 12, 13, 14, 15, 16};
        top.offerAll(scores, 0, scores.length, ids, 0);
        assertEquals(3, top.size());
        assertEquals(16, top.item(0));
        assertEquals(11, top.item(1), "of two equal scores, the first offered ranks first");
        assertEquals(14, top.item(2));
        assertEquals(2f, top.threshold());
        top.clear();
        assertEquals(Float.NEGATIVE_INFINITY, top.threshold());
    }
}
