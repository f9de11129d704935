package io.github.matmulffm.spark;

import io.github.matmulffm.spark.BlockMultiply.Plan;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.distributed.BlockMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import scala.Tuple2;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link BlockMultiply} against Spark's own multiply and a Java reference, on random matrices. */
class BlockMultiplyTest {
    private static JavaSparkContext jsc() {
        return JavaSparkContext.fromSparkContext(LocalSpark.get().sparkContext());
    }

    /** (m, k, n, A's rows per block, inner block, B's columns per block, partitions, sparse every) */
    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(300, 250, 210, 128, 96, 64, 3, 0),   // uneven edge blocks everywhere
                Arguments.of(257, 129, 190, 64, 64, 100, 5, 0),
                Arguments.of(64, 300, 64, 32, 100, 32, 1, 0),     // one partition, long k
                Arguments.of(200, 180, 150, 50, 60, 70, 4, 3),    // a third of the blocks sparse
                Arguments.of(1, 7, 1, 1, 7, 1, 2, 0));            // 1 x 1 blocks of C
    }

    @ParameterizedTest(name = "{0}x{1} * {1}x{2}, blocks {3}x{4} * {4}x{5}, {6} partitions, sparse every {7}")
    @MethodSource("shapes")
    void everyPlanAgreesWithSparkAndTheGauge(int m, int k, int n, int rowsPerBlock, int inner, int colsPerBlock,
                                             int partitions, int sparseEvery) {
        BlockMatrix a = RandomBlocks.matrix(jsc(), 11, m, k, rowsPerBlock, inner, partitions, sparseEvery);
        BlockMatrix b = RandomBlocks.matrix(jsc(), 12, k, n, inner, colsPerBlock, partitions, sparseEvery);
        double[][] aLocal = Gauge.local(a), bLocal = Gauge.local(b);
        double[][] spark = Gauge.local(a.multiply(b));
        assertTrue(Gauge.worstRatio(aLocal, bLocal, spark) < 16, "Spark's own multiply fails the gauge");
        for (Plan plan : Plan.values()) {
            BlockMatrix c = BlockMultiply.multiply(a, b, plan);
            assertEquals(m, c.numRows(), plan + ": rows");
            assertEquals(n, c.numCols(), plan + ": columns");
            assertEquals(rowsPerBlock, c.rowsPerBlock(), plan + ": rows per block");
            assertEquals(colsPerBlock, c.colsPerBlock(), plan + ": columns per block");
            c.validate();
            double[][] ours = Gauge.local(c);
            double ratio = Gauge.worstRatio(aLocal, bLocal, ours);
            assertTrue(ratio < 16, plan + ": error ratio " + ratio);
            double gap = Gauge.worstRatio(aLocal, bLocal, ours, spark);
            assertTrue(gap < 32, plan + ": against Spark's own product, ratio " + gap);
        }
    }

    @Test
    void theResultIsTheSameForEveryPlanAndPartitioning() {
        BlockMatrix a3 = RandomBlocks.matrix(jsc(), 21, 230, 170, 64, 48, 3, 0);
        BlockMatrix b3 = RandomBlocks.matrix(jsc(), 22, 170, 190, 48, 80, 3, 0);
        BlockMatrix a1 = RandomBlocks.matrix(jsc(), 21, 230, 170, 64, 48, 1, 0);
        BlockMatrix b7 = RandomBlocks.matrix(jsc(), 22, 170, 190, 48, 80, 7, 0);
        Map<String, double[]> byBlock = blocks(BlockMultiply.multiply(a3, b3, Plan.BROADCAST_B));
        assertEquals(byBlock.keySet(), blocks(BlockMultiply.multiply(a1, b7, Plan.GROUPED)).keySet());
        // Each C block sums over k in order on one thread: bit-identical whatever the plan or partitioning.
        blocks(BlockMultiply.multiply(a1, b7, Plan.GROUPED)).forEach((key, values) ->
                assertArrayEquals(byBlock.get(key), values, "block " + key));
        blocks(BlockMultiply.multiply(a3, b7, Plan.BROADCAST_B)).forEach((key, values) ->
                assertArrayEquals(byBlock.get(key), values, "block " + key));
    }

    private static Map<String, double[]> blocks(BlockMatrix c) {
        Map<String, double[]> out = new TreeMap<>();
        List<Tuple2<Tuple2<Object, Object>, Matrix>> all = c.blocks().toJavaRDD().collect();
        for (Tuple2<Tuple2<Object, Object>, Matrix> entry : all) {
            out.put(entry._1()._1() + "," + entry._1()._2(), entry._2().toArray());
        }
        assertEquals(all.size(), out.size(), "a C block appears twice");
        return out;
    }

    /**
     * The usual way to build a BlockMatrix, CoordinateMatrix.toBlockMatrix, stores dense data
     * in sparse blocks: those must still run on the kernel, and agree with Spark.
     */
    @Test
    void denseDataInSparseBlocksRunsOnTheKernel() {
        List<org.apache.spark.mllib.linalg.distributed.MatrixEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            for (int j = 0; j < 260; j++) {
                entries.add(new org.apache.spark.mllib.linalg.distributed.MatrixEntry(i, j, RandomBlocks.entry(8, i, j)));
            }
        }
        BlockMatrix a = new org.apache.spark.mllib.linalg.distributed.CoordinateMatrix(jsc().parallelize(entries, 3).rdd())
                .toBlockMatrix(128, 100);
        assertTrue(a.blocks().toJavaRDD().map(entry -> RandomBlocks.isSparse(entry._2())).reduce((x, y) -> x && y),
                "toBlockMatrix was expected to store sparse blocks");
        BlockMatrix b = a.transpose();
        double[][] spark = Gauge.local(a.multiply(b));
        io.github.matmulffm.Matmul.peakKernelThreads(true);
        double[][] ours = Gauge.local(BlockMultiply.multiply(a, b));
        assertTrue(io.github.matmulffm.Matmul.peakKernelThreads(true) >= 1, "no block product ran on the kernel");
        double[][] aLocal = Gauge.local(a);
        assertTrue(Gauge.worstRatio(aLocal, Gauge.local(b), ours, spark) < 32, "against Spark's own product");
    }

    @Test
    void blocksThatDoNotLineUpAreRefusedBeforeAnyJob() {
        BlockMatrix a = RandomBlocks.matrix(jsc(), 1, 100, 90, 32, 30, 2, 0);
        BlockMatrix b = RandomBlocks.matrix(jsc(), 2, 90, 80, 45, 40, 2, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlockMultiply.multiply(a, b));
        assertEquals("The blocks don't line up: A has 30 columns per block, B has 45 rows per block; they must be equal",
                e.getMessage());
        BlockMatrix tall = RandomBlocks.matrix(jsc(), 3, 91, 80, 30, 40, 2, 0);
        e = assertThrows(IllegalArgumentException.class, () -> BlockMultiply.multiply(a, tall));
        assertEquals("Incompatible dimensions: A is 100x90, B is 91x80", e.getMessage());
        assertThrows(NullPointerException.class, () -> BlockMultiply.multiply(null, b));
        assertThrows(NullPointerException.class, () -> BlockMultiply.multiply(a, b, null));
    }

    @Test
    void blocksWhoseSizesContradictTheirGridFailTheJobWithAMessage() {
        // Declared 30 columns per block, but A's block (0, 0) holds 29: Spark's validate() would say so too.
        BlockMatrix good = RandomBlocks.matrix(jsc(), 4, 60, 60, 30, 30, 2, 0);
        BlockMatrix lying = new BlockMatrix(Rdds.blocks(good.blocks().toJavaRDD().map(entry ->
                entry._1()._1().equals(0) && entry._1()._2().equals(0)
                        ? new Tuple2<>(entry._1(), (Matrix) new org.apache.spark.mllib.linalg.DenseMatrix(30, 29, new double[30 * 29]))
                        : entry)), 30, 30, 60, 60);
        Exception e = assertThrows(Exception.class, () -> BlockMultiply.multiply(lying, good, Plan.GROUPED).blocks().count());
        assertTrue(String.valueOf(e.getMessage()).contains("the blocks don't line up: A block (0, 0) is 30x29 but B block (0, "),
                e.getMessage());
    }

    @Test
    void autoBroadcastsASmallBAndGroupsALargeOne() {
        BlockMatrix small = RandomBlocks.matrix(jsc(), 5, 40, 40, 20, 20, 1, 0);
        assertEquals(Plan.BROADCAST_B, BlockMultiply.choose(LocalSpark.get().sparkContext(), small));
        SparkConf conf = LocalSpark.get().sparkContext().getConf();
        assertEquals(BlockMultiply.DEFAULT_BROADCAST_BYTES,
                conf.getSizeAsBytes("spark.matmulffm.broadcastBytes", String.valueOf(BlockMultiply.DEFAULT_BROADCAST_BYTES)));
    }

    @Test
    void theGroupGridMovesTheFewestBytes() {
        assertArrayEquals(new int[] {1, 1}, BlockMultiply.groupGrid(4, 4, 1, 1, 1));
        // Two tasks: split along the side that sends the smaller operand twice.
        assertArrayEquals(new int[] {2, 1}, BlockMultiply.groupGrid(4, 4, 2, 10, 1));
        assertArrayEquals(new int[] {1, 2}, BlockMultiply.groupGrid(4, 4, 2, 1, 10));
        assertArrayEquals(new int[] {4, 4}, BlockMultiply.groupGrid(4, 4, 16, 1, 1));
        // Never more groups than C blocks.
        assertArrayEquals(new int[] {1, 1}, BlockMultiply.groupGrid(1, 1, 8, 1, 1));
    }

    @Test
    void aBadTaskCpusSettingIsRefusedWithItsValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TaskThreads.checkConf(new SparkConf(false).set("spark.task.cpus", "0")));
        assertEquals("spark.task.cpus must be between 1 and 1024, but was 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TaskThreads.checkConf(new SparkConf(false).set("spark.task.cpus", "two")));
        assertEquals("spark.task.cpus must be a whole number between 1 and 1024, but was \"two\"", e.getMessage());
        TaskThreads.checkConf(new SparkConf(false).set("spark.task.cpus", "2"));
        e = assertThrows(IllegalArgumentException.class,
                () -> TaskThreads.checkConf(new SparkConf(false).set("spark.matmulffm.taskThreads", "many")));
        assertEquals("spark.matmulffm.taskThreads must be \"cpus\" or \"all\", but was \"many\"", e.getMessage());
    }
}
