package io.github.matmulffm.spark;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Matmul;
import io.github.matmulffm.Transpose;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The top k items for every user, as {@code ALSModel.recommendForAllUsers(k)} computes
 * them, with the scoring on the kernel: the item factors are broadcast once; each task
 * takes its users in blocks, multiplies each block by the item factors with one SGEMM per
 * slice of items, and keeps a bounded top k per user ({@link TopK}), so the users x items
 * score matrix never exists. Each task uses at most {@code spark.task.cpus} kernel threads.
 *
 * <p>The output has Spark's schema: the user column, and {@code recommendations}, an array
 * of (item column, {@code rating}) structs, best first.
 */
public final class AllUsersTopK {
    /** Users scored by one SGEMM (rows of its C). */
    static final int USER_BLOCK = 1024;
    /** Items scored by one SGEMM (columns of its C): with USER_BLOCK, a 16 MiB score slice. */
    static final int ITEM_SLICE = 4096;

    private AllUsersTopK() {
    }

    /** {@code model.recommendForAllUsers(k)}, on the kernel. */
    public static Dataset<Row> recommendForAllUsers(ALSModel model, int k) {
        return recommendForAllUsers(model.userFactors(), model.itemFactors(), k, model.getUserCol(), model.getItemCol());
    }

    /**
     * The top k items of every user from factor tables with columns {@code id} (int) and
     * {@code features} (array of float, all of one length), as ALS writes them.
     *
     * @throws IllegalArgumentException if k is not positive, or the factors' ranks differ
     */
    public static Dataset<Row> recommendForAllUsers(Dataset<Row> userFactors, Dataset<Row> itemFactors, int k,
                                                    String userCol, String itemCol) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, but was " + k);
        }
        SparkSession spark = userFactors.sparkSession();
        TaskThreads.checkConf(spark.sparkContext().getConf());
        TaskThreads.checkKernelOnDriver();
        ItemFactors items = ItemFactors.collect(itemFactors);
        Broadcast<ItemFactors> shared = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(items);
        int rank = items.rank;
        JavaRDD<Row> rows = userFactors.select("id", "features").javaRDD()
                .mapPartitions(users -> TaskThreads.run(() -> score(users, shared.value(), rank, k)).iterator());
        StructType recommendation = new StructType()
                .add(itemCol, DataTypes.IntegerType, true)
                .add("rating", DataTypes.FloatType, true);
        // Nullability as Spark 4.2's recommendForAllUsers declares it, so the two compare equal.
        StructType schema = new StructType()
                .add(userCol, DataTypes.IntegerType, false)
                .add("recommendations", DataTypes.createArrayType(recommendation, true), true);
        return spark.createDataFrame(rows, schema);
    }

    /** Item ids and their factors, row-major (items x rank), as broadcast. */
    record ItemFactors(int[] ids, float[] factors, int rank) implements Serializable {
        static ItemFactors collect(Dataset<Row> itemFactors) {
            List<Row> rows = itemFactors.select("id", "features").collectAsList();
            if (rows.isEmpty()) {
                return new ItemFactors(new int[0], new float[0], 0);
            }
            int rank = rows.get(0).getList(1).size();
            int[] ids = new int[rows.size()];
            float[] factors = new float[rows.size() * rank];
            for (int i = 0; i < ids.length; i++) {
                Row row = rows.get(i);
                ids[i] = row.getInt(0);
                readFeatures(row, rank, factors, i * rank, "item " + ids[i]);
            }
            return new ItemFactors(ids, factors, rank);
        }
    }

    private static void readFeatures(Row row, int rank, float[] into, int offset, String what) {
        List<Object> features = row.getList(1);
        if (features.size() != rank) {
            throw new IllegalArgumentException("the factors' ranks differ: " + what + " has " + features.size()
                    + " features, the items have " + rank);
        }
        for (int f = 0; f < rank; f++) {
            into[offset + f] = ((Number) features.get(f)).floatValue();
        }
    }

    private static List<Row> score(Iterator<Row> users, ItemFactors items, int rank, int k) {
        List<Row> out = new ArrayList<>();
        int itemCount = items.ids.length;
        if (itemCount == 0) {
            users.forEachRemaining(user -> out.add(RowFactory.create(user.getInt(0), new Row[0])));
            return out;
        }
        int slice = Math.min(ITEM_SLICE, itemCount);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment itemSegment = arena.allocate((long) items.factors.length * Float.BYTES, 64);
            MemorySegment.copy(items.factors, 0, itemSegment, ValueLayout.JAVA_FLOAT, 0, items.factors.length);
            float[] userBlock = new float[USER_BLOCK * rank];
            MemorySegment userSegment = arena.allocate((long) userBlock.length * Float.BYTES, 64);
            MemorySegment scores = arena.allocate((long) USER_BLOCK * slice * Float.BYTES, 64);
            float[] row = new float[slice];
            int[] ids = new int[USER_BLOCK];
            TopK[] best = new TopK[USER_BLOCK];
            for (int u = 0; u < USER_BLOCK; u++) {
                best[u] = new TopK(k);
            }
            while (users.hasNext()) {
                int count = 0;
                while (count < USER_BLOCK && users.hasNext()) {
                    Row user = users.next();
                    ids[count] = user.getInt(0);
                    readFeatures(user, rank, userBlock, count * rank, "user " + ids[count]);
                    best[count].clear();
                    count++;
                }
                MemorySegment.copy(userBlock, 0, userSegment, ValueLayout.JAVA_FLOAT, 0, count * rank);
                for (int i0 = 0; i0 < itemCount; i0 += slice) {
                    int width = Math.min(slice, itemCount - i0);
                    // scores (count x width) = users (count x rank) * items[i0, i0 + width)^T
                    Matmul.sgemm(Layout.ROW_MAJOR, Transpose.NO_TRANS, Transpose.TRANS, count, width, rank, 1.0f,
                            userSegment, rank, itemSegment.asSlice((long) i0 * rank * Float.BYTES), rank, 0.0f,
                            scores, width);
                    for (int u = 0; u < count; u++) {
                        MemorySegment.copy(scores, ValueLayout.JAVA_FLOAT, (long) u * width * Float.BYTES, row, 0, width);
                        best[u].offerAll(row, 0, width, items.ids, i0);
                    }
                }
                for (int u = 0; u < count; u++) {
                    Row[] recommendations = new Row[best[u].size()];
                    for (int r = 0; r < recommendations.length; r++) {
                        recommendations[r] = RowFactory.create(best[u].item(r), best[u].score(r));
                    }
                    out.add(RowFactory.create(ids[u], recommendations));
                }
            }
        }
        return out;
    }
}
