package io.github.matmulffm.spark;

import io.github.matmulffm.Matmul;
import io.github.matmulffm.spark.BlockMultiply.Plan;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.mllib.linalg.distributed.BlockMatrix;
import org.apache.spark.sql.SparkSession;

import java.util.List;

/**
 * What {@link SparkSettingsTest} runs in a JVM of its own: a Spark session with settings
 * that one JVM can have only once ({@code spark.task.cpus}, the default parallelism), or a
 * host without the kernel. Prints {@code key=value} lines for the test to read.
 * Arguments: the mode, spark.task.cpus, spark.default.parallelism.
 */
public final class ChildCheck {
    public static void main(String[] args) {
        String mode = args[0];
        SparkSession spark = SparkSession.builder().master("local[2]").appName("matmul-ffm-spark child")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.task.cpus", args.length > 1 ? args[1] : "1")
                .config("spark.default.parallelism", args.length > 2 ? args[2] : "2")
                .getOrCreate();
        spark.sparkContext().setLogLevel("ERROR");
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        try {
            switch (mode) {
                case "product" -> product(jsc);
                case "no-native" -> noNative(jsc);
                default -> throw new IllegalArgumentException(mode);
            }
        } finally {
            spark.stop();
        }
    }

    private static void product(JavaSparkContext jsc) {
        // Block products of 13M multiply-adds: long enough for a pool worker to join each one.
        BlockMatrix a = RandomBlocks.matrix(jsc, 31, 768, 600, 256, 200, 4, 0);
        BlockMatrix b = RandomBlocks.matrix(jsc, 32, 600, 700, 200, 256, 4, 0);
        double[][] aLocal = Gauge.local(a), bLocal = Gauge.local(b);
        double[][] spark = Gauge.local(a.multiply(b));
        Matmul.peakKernelThreads(true);
        double worst = 0;
        for (Plan plan : List.of(Plan.BROADCAST_B, Plan.GROUPED)) {
            double[][] ours = Gauge.local(BlockMultiply.multiply(a, b, plan));
            worst = Math.max(worst, Gauge.worstRatio(aLocal, bLocal, ours));
            worst = Math.max(worst, Gauge.worstRatio(aLocal, bLocal, ours, spark) / 2);
        }
        System.out.println("peak=" + Matmul.peakKernelThreads(true));
        System.out.println("ratio=" + worst);
        System.out.println("cpus=" + jsc.getConf().get("spark.task.cpus"));
    }

    private static void noNative(JavaSparkContext jsc) {
        BlockMatrix a = RandomBlocks.matrix(jsc, 1, 40, 40, 20, 20, 2, 0);
        try {
            System.out.println("product=" + BlockMultiply.multiply(a, a).blocks().count() + " blocks");
        } catch (Exception e) {
            System.out.println("product=" + e.getMessage().lines().findFirst().orElse(""));
        }
        try {
            jsc.parallelize(List.of(1, 2), 2).map(x -> TaskThreads.run(() -> Matmul.info().kernel())).collect();
            System.out.println("executor=no failure");
        } catch (Exception e) {
            // SparkException, which Scala throws undeclared.
            System.out.println("executor=" + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
