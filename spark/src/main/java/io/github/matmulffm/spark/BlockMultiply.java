package io.github.matmulffm.spark;

import org.apache.spark.HashPartitioner;
import org.apache.spark.Partitioner;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.distributed.BlockMatrix;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A * B for Spark's own {@link BlockMatrix}, with every dense block product on the kernel
 * and each task held to {@code spark.task.cpus} threads.
 *
 * <p>Spark's {@code BlockMatrix.multiply} is bound by its shuffle: it sends each block of A
 * to every partition holding a C block that needs it, each block of B likewise, and then
 * shuffles the partial products once more to sum them. A faster kernel alone changes
 * little there, so the plans here move less data:
 * <ul>
 *   <li>{@link Plan#BROADCAST_B}: B is collected and broadcast (it must fit each executor's
 *       memory); A is shuffled once, grouped by block row, and each task computes whole
 *       rows of C, summing over k itself. No partial product is ever shuffled.</li>
 *   <li>{@link Plan#GROUPED}: C's block grid is cut into about as many groups as the job has
 *       tasks; each block of A goes to the groups of its block row (one per group column),
 *       each block of B to those of its block column, and each group sums its own C blocks.
 *       A moves {@code groupCols} times and B {@code groupRows} times, against Spark's one
 *       time per C partition that needs it, plus its shuffle of partial products.</li>
 * </ul>
 * {@link Plan#AUTO} broadcasts B when its dense size is at most
 * {@code spark.matmulffm.broadcastBytes} (default 256 MiB), else groups.
 *
 * <p>Sparse blocks at least one sixteenth full (what {@code CoordinateMatrix.toBlockMatrix}
 * makes of dense data) run on the kernel as dense ones; sparser blocks keep Spark's own
 * local product; the result's
 * blocks are dense. A C block exists where some k has both A(i, k) and B(k, j), as in
 * Spark's multiply.
 */
public final class BlockMultiply {
    private static final Logger LOG = LoggerFactory.getLogger(BlockMultiply.class);
    /** Default ceiling of a broadcast B: {@code spark.matmulffm.broadcastBytes}. */
    public static final long DEFAULT_BROADCAST_BYTES = 256L << 20;

    /** How the product is laid out over the cluster. */
    public enum Plan {
        /** Broadcast B if it is small enough, else {@link #GROUPED}. */
        AUTO,
        /** Broadcast B; shuffle A once, by block row. */
        BROADCAST_B,
        /** Both shuffled, to a grid of C groups; no partial product shuffled. */
        GROUPED
    }

    private BlockMultiply() {
    }

    /** A * B with {@link Plan#AUTO}. */
    public static BlockMatrix multiply(BlockMatrix a, BlockMatrix b) {
        return multiply(a, b, Plan.AUTO);
    }

    /**
     * A * B with the given plan.
     *
     * @throws IllegalArgumentException if the inner dimensions differ, the blocks don't line
     *                                  up (A's colsPerBlock against B's rowsPerBlock), or
     *                                  {@code spark.task.cpus} is not 1 to 1024
     * @throws IllegalStateException    if the native kernel cannot be loaded on the driver
     */
    public static BlockMatrix multiply(BlockMatrix a, BlockMatrix b, Plan plan) {
        java.util.Objects.requireNonNull(a, "a");
        java.util.Objects.requireNonNull(b, "b");
        java.util.Objects.requireNonNull(plan, "plan");
        if (a.numCols() != b.numRows()) {
            throw new IllegalArgumentException("Incompatible dimensions: A is " + a.numRows() + "x" + a.numCols()
                    + ", B is " + b.numRows() + "x" + b.numCols());
        }
        if (a.colsPerBlock() != b.rowsPerBlock()) {
            throw new IllegalArgumentException("The blocks don't line up: A has " + a.colsPerBlock()
                    + " columns per block, B has " + b.rowsPerBlock() + " rows per block; they must be equal");
        }
        SparkContext sc = a.blocks().sparkContext();
        TaskThreads.checkConf(sc.getConf());
        TaskThreads.checkKernelOnDriver();
        Plan chosen = plan == Plan.AUTO ? choose(sc, b) : plan;
        LOG.info("matmul-ffm-spark: {}x{} * {}x{} in blocks of {}x{} * {}x{}, plan {}", a.numRows(), a.numCols(),
                b.numRows(), b.numCols(), a.rowsPerBlock(), a.colsPerBlock(), b.rowsPerBlock(), b.colsPerBlock(), chosen);
        JavaRDD<Tuple2<Tuple2<Object, Object>, Matrix>> c = chosen == Plan.BROADCAST_B ? broadcastB(sc, a, b) : grouped(sc, a, b);
        return new BlockMatrix(Rdds.blocks(c), a.rowsPerBlock(), b.colsPerBlock(), a.numRows(), b.numCols());
    }

    static Plan choose(SparkContext sc, BlockMatrix b) {
        long limit = sc.getConf().getSizeAsBytes("spark.matmulffm.broadcastBytes", String.valueOf(DEFAULT_BROADCAST_BYTES));
        double bytes = (double) b.numRows() * b.numCols() * Double.BYTES;
        return bytes <= limit ? Plan.BROADCAST_B : Plan.GROUPED;
    }

    private static JavaPairRDD<Integer, Block> blocks(BlockMatrix m, boolean byRow) {
        return m.blocks().toJavaRDD().mapToPair(entry -> {
            Block block = Block.of(entry);
            return new Tuple2<>(byRow ? block.row() : block.col(), block);
        });
    }

    private static JavaRDD<Tuple2<Tuple2<Object, Object>, Matrix>> broadcastB(SparkContext sc, BlockMatrix a, BlockMatrix b) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
        Map<Integer, Map<Integer, Block>> bByCol = new HashMap<>();
        for (Tuple2<Integer, Block> entry : blocks(b, false).collect()) {
            bByCol.computeIfAbsent(entry._1(), col -> new HashMap<>()).put(entry._2().row(), entry._2());
        }
        Broadcast<Map<Integer, Map<Integer, Block>>> shared = jsc.broadcast(bByCol);
        int partitions = Math.max(1, Math.min(a.numRowBlocks(), sc.defaultParallelism()));
        return blocks(a, true).groupByKey(new HashPartitioner(partitions)).flatMap(row -> {
            Map<Integer, Block> aRow = new HashMap<>();
            for (Block block : row._2()) {
                aRow.put(block.col(), block);
            }
            Map<Integer, Map<Integer, Block>> aByRow = Map.of(row._1(), aRow);
            return TaskThreads.run(() -> BlockProducts.multiply(aByRow, shared.value())).iterator();
        });
    }

    /**
     * Rows x columns of C groups for a C grid of rowBlocks x colBlocks and about
     * {@code tasks} tasks: the grid that moves the fewest bytes (A once per group column, B
     * once per group row), counting a group short of the task count as cores left idle.
     */
    static int[] groupGrid(int rowBlocks, int colBlocks, int tasks, double aBytes, double bBytes) {
        int[] best = {1, 1};
        double bestCost = Double.MAX_VALUE;
        for (int gr = 1; gr <= rowBlocks; gr++) {
            for (int gc = 1; gc <= colBlocks && gr * gc <= Math.max(1, tasks); gc++) {
                double moved = aBytes * gc + bBytes * gr;
                double cost = moved * Math.max(1.0, (double) tasks / (gr * gc));
                if (cost < bestCost) {
                    bestCost = cost;
                    best = new int[] {gr, gc};
                }
            }
        }
        return best;
    }

    private static JavaRDD<Tuple2<Tuple2<Object, Object>, Matrix>> grouped(SparkContext sc, BlockMatrix a, BlockMatrix b) {
        int rowBlocks = a.numRowBlocks(), colBlocks = b.numColBlocks();
        int[] grid = groupGrid(rowBlocks, colBlocks, sc.defaultParallelism(),
                (double) a.numRows() * a.numCols(), (double) b.numRows() * b.numCols());
        int groupRows = grid[0], groupCols = grid[1];
        Partitioner partitioner = new HashPartitioner(groupRows * groupCols);
        // A block (i, k) goes to every group (g(i), h); a B block (k, j) to every (g, h(j)).
        JavaPairRDD<Integer, Block> aSent = blocks(a, true).flatMapToPair(entry -> {
            List<Tuple2<Integer, Block>> sent = new ArrayList<>(groupCols);
            int g = (int) ((long) entry._1() * groupRows / rowBlocks);
            for (int h = 0; h < groupCols; h++) {
                sent.add(new Tuple2<>(g * groupCols + h, entry._2()));
            }
            return sent.iterator();
        });
        JavaPairRDD<Integer, Block> bSent = blocks(b, false).flatMapToPair(entry -> {
            List<Tuple2<Integer, Block>> sent = new ArrayList<>(groupRows);
            int h = (int) ((long) entry._1() * groupCols / colBlocks);
            for (int g = 0; g < groupRows; g++) {
                sent.add(new Tuple2<>(g * groupCols + h, entry._2()));
            }
            return sent.iterator();
        });
        return aSent.cogroup(bSent, partitioner).flatMap(group -> {
            Map<Integer, Map<Integer, Block>> aByRow = new HashMap<>();
            for (Block block : group._2()._1()) {
                aByRow.computeIfAbsent(block.row(), row -> new HashMap<>()).put(block.col(), block);
            }
            Map<Integer, Map<Integer, Block>> bByCol = new HashMap<>();
            for (Block block : group._2()._2()) {
                bByCol.computeIfAbsent(block.col(), col -> new HashMap<>()).put(block.row(), block);
            }
            return TaskThreads.run(() -> BlockProducts.multiply(aByRow, bByCol)).iterator();
        });
    }
}
