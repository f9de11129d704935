package io.github.matmulffm.spark.example;

import io.github.matmulffm.Matmul;
import io.github.matmulffm.spark.AllUsersTopK;
import io.github.matmulffm.spark.BlockMultiply;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.mllib.linalg.DenseMatrix;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.distributed.BlockMatrix;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.List;

/**
 * The example job: a random n x n BlockMatrix squared on the kernel and by Spark itself,
 * compared; then the top 10 items of every user from random factors. It runs wherever
 * Spark runs: {@code local[*]} when no master is set, or under {@code spark-submit}.
 *
 * <pre>{@code
 * spark-submit --class io.github.matmulffm.spark.example.ScaleOutJob matmul-ffm-spark-0.1.0-all.jar [n] [block]
 * }</pre>
 * It exits with status 1 if the two products differ beyond the parity gauge.
 */
public final class ScaleOutJob {
    private ScaleOutJob() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int block = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        SparkSession.Builder builder = SparkSession.builder().appName("matmul-ffm-spark example");
        if (!new org.apache.spark.SparkConf().contains("spark.master")) {
            builder.master("local[*]");
        }
        SparkSession spark = builder.getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        int status = 0;
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            System.out.println("kernel: " + Matmul.info() + ", master " + jsc.master() + ", spark.task.cpus "
                    + jsc.getConf().get("spark.task.cpus", "1"));
            List<String> loaded = jsc.parallelize(List.of(1, 2, 3, 4), 4)
                    .map(x -> org.apache.spark.SparkEnv.get().executorId() + ": " + Matmul.info().kernel() + " kernel from "
                            + Matmul.info().librarySource()).distinct().collect();
            System.out.println("executors: " + loaded);
            BlockMatrix a = random(jsc, n, block, 1, jsc.defaultParallelism()).cache();
            a.blocks().count();
            long start = System.nanoTime();
            BlockMatrix ours = BlockMultiply.multiply(a, a).cache();
            ours.blocks().count();
            double oursSeconds = (System.nanoTime() - start) / 1e9;
            start = System.nanoTime();
            BlockMatrix theirs = a.multiply(a).cache();
            theirs.blocks().count();
            double sparkSeconds = (System.nanoTime() - start) / 1e9;
            // |A||A| <= n for entries in [-1, 1): the gauge's bound, element by element.
            double worst = ours.subtract(theirs).blocks().toJavaRDD()
                    .map(entry -> maxAbs(entry._2())).reduce(Math::max);
            double gauge = 32 * n * (Math.ulp(1.0) / 2) * n;
            System.out.printf("A * A, n = %d, blocks of %d: matmul-ffm %.2f s, Spark's multiply %.2f s, "
                    + "largest difference %.3g (gauge %.3g)%n", n, block, oursSeconds, sparkSeconds, worst, gauge);
            if (!(worst <= gauge)) {
                status = 1;
            }
            List<Row> top = AllUsersTopK.recommendForAllUsers(factors(spark, 2000, 16, 2), factors(spark, 3000, 16, 3),
                    10, "user", "item").orderBy("user").limit(2).collectAsList();
            System.out.println("top 10 of users 0 and 1: " + top);
        } finally {
            spark.stop();
        }
        System.exit(status);
    }

    private static double maxAbs(Matrix m) {
        double worst = 0;
        for (double v : m.toArray()) {
            worst = Math.max(worst, Math.abs(v));
        }
        return worst;
    }

    /** Uniform in [-1, 1), a pure function of (seed, i) (SplitMix64's finaliser). */
    public static double unit(long seed, long i) {
        long z = seed * 0x9E3779B97F4A7C15L + i * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) / (double) (1L << 53) * 2 - 1;
    }

    /** A random dense n x n BlockMatrix in blocks of {@code block}, generated on the executors. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static BlockMatrix random(JavaSparkContext jsc, int n, int block, long seed, int partitions) {
        int blocks = (n + block - 1) / block;
        List<Tuple2<Integer, Integer>> grid = new ArrayList<>();
        for (int i = 0; i < blocks; i++) {
            for (int j = 0; j < blocks; j++) {
                grid.add(new Tuple2<>(i, j));
            }
        }
        JavaRDD<Tuple2<Tuple2<Object, Object>, Matrix>> rdd = jsc.parallelize(grid, partitions).map(ij -> {
            int rows = Math.min(block, n - ij._1() * block), cols = Math.min(block, n - ij._2() * block);
            double[] values = new double[rows * cols];
            for (int x = 0; x < values.length; x++) {
                values[x] = unit(seed, ((long) ij._1() * blocks + ij._2()) * block * block + x);
            }
            return new Tuple2<>(new Tuple2<>(ij._1(), ij._2()), (Matrix) new DenseMatrix(rows, cols, values));
        });
        scala.reflect.ClassTag tag = scala.reflect.ClassTag$.MODULE$.apply(Tuple2.class);
        return new BlockMatrix(rdd.rdd().map((scala.Function1 & java.io.Serializable) x -> x, tag), block, block, n, n);
    }

    private static Dataset<Row> factors(SparkSession spark, int count, int rank, long seed) {
        List<Row> rows = new ArrayList<>();
        for (int id = 0; id < count; id++) {
            float[] features = new float[rank];
            for (int f = 0; f < rank; f++) {
                features[f] = (float) unit(seed, (long) id * rank + f);
            }
            rows.add(RowFactory.create(id, features));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("features", DataTypes.createArrayType(DataTypes.FloatType));
        return spark.createDataFrame(rows, schema);
    }
}
