package io.github.matmulffm.spark.bench;

import io.github.matmulffm.spark.AllUsersTopK;
import io.github.matmulffm.spark.BlockMultiply;
import io.github.matmulffm.spark.example.ScaleOutJob;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.mllib.linalg.distributed.BlockMatrix;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One row of {@link SparkBench}, in a JVM of its own (netlib picks its BLAS once per JVM):
 * a warm-up run, then {@code repeats} timed runs of the whole job, forced to its end, in
 * {@code local[2]}. Prints one {@code result|...} line: the best wall time, the median,
 * the shuffle bytes written per run and the BLAS class Spark's netlib chose.
 *
 * <p>Arguments: {@code multiply <spark|broadcast|grouped> <n> <block> <repeats>} or
 * {@code topk <spark|ours> <users> <items> <rank> <repeats>}.
 */
public final class BenchRun {
    private static final AtomicLong SHUFFLE_BYTES = new AtomicLong();

    private BenchRun() {
    }

    public static void main(String[] args) {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("matmul-ffm-spark bench")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.shuffle.compress", System.getProperty("bench.shuffle.compress", "true"))
                .getOrCreate();
        spark.sparkContext().setLogLevel("ERROR");
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskMetrics() != null) {
                    SHUFFLE_BYTES.addAndGet(end.taskMetrics().shuffleWriteMetrics().bytesWritten());
                }
            }
        });
        if (Boolean.getBoolean("bench.stages")) {
            // Where a job's time goes: each stage's wall time, tasks and shuffle bytes.
            spark.sparkContext().addSparkListener(new SparkListener() {
                @Override
                public void onStageCompleted(org.apache.spark.scheduler.SparkListenerStageCompleted done) {
                    var info = done.stageInfo();
                    long ms = (long) info.completionTime().get() - (long) info.submissionTime().get();
                    System.out.printf(java.util.Locale.ROOT, "stage %d %-40s %5d ms, %d tasks, shuffle write %.0f MiB, read %.0f MiB%n",
                            info.stageId(), info.name(), ms, info.numTasks(),
                            info.taskMetrics().shuffleWriteMetrics().bytesWritten() / 1048576.0,
                            info.taskMetrics().shuffleReadMetrics().totalBytesRead() / 1048576.0);
                }
            });
        }
        String blas = dev.ludovic.netlib.blas.BLAS.getInstance().getClass().getSimpleName();
        try {
            String job = args[0], impl = args[1];
            double[] seconds;
            double flops;
            if (job.equals("multiply")) {
                int n = Integer.parseInt(args[2]), block = Integer.parseInt(args[3]);
                JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                BlockMatrix a = random(jsc, n, block, 1), b = random(jsc, n, block, 2);
                flops = 2.0 * n * n * n;
                seconds = time(Integer.parseInt(args[4]), () -> {
                    BlockMatrix c = switch (impl) {
                        case "spark" -> a.multiply(b);
                        case "broadcast" -> BlockMultiply.multiply(a, b, BlockMultiply.Plan.BROADCAST_B);
                        case "grouped" -> BlockMultiply.multiply(a, b, BlockMultiply.Plan.GROUPED);
                        default -> throw new IllegalArgumentException(impl);
                    };
                    return c.blocks().count();
                });
            } else {
                int users = Integer.parseInt(args[2]), items = Integer.parseInt(args[3]), rank = Integer.parseInt(args[4]);
                Dataset<Row> userFactors = factors(spark, users, rank, 3), itemFactors = factors(spark, items, rank, 4);
                ALSModel model = new ALSModel("bench", rank, userFactors, itemFactors).setUserCol("user").setItemCol("item");
                flops = 2.0 * users * items * rank;
                seconds = time(Integer.parseInt(args[5]), () -> {
                    Dataset<Row> top = impl.equals("spark") ? model.recommendForAllUsers(10)
                            : AllUsersTopK.recommendForAllUsers(model, 10);
                    top.write().format("noop").mode("overwrite").save();
                    return 0L;
                });
            }
            double best = Double.MAX_VALUE;
            for (double s : seconds) {
                best = Math.min(best, s);
            }
            double[] sorted = seconds.clone();
            java.util.Arrays.sort(sorted);
            double median = sorted[sorted.length / 2];
            System.out.printf(java.util.Locale.ROOT, "result|best=%.3f|median=%.3f|gflops=%.1f|shuffleMiB=%.1f|blas=%s|runs=%d%n",
                    best, median, flops / best / 1e9, SHUFFLE_BYTES.get() / (double) (seconds.length + 1) / (1 << 20), blas,
                    seconds.length);
        } finally {
            spark.stop();
        }
    }

    /** A warm-up, then {@code repeats} timed runs; the shuffle bytes counted are of all runs. */
    private static double[] time(int repeats, Supplier<Long> job) {
        job.get();
        double[] seconds = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            job.get();
            seconds[r] = (System.nanoTime() - start) / 1e9;
        }
        return seconds;
    }

    /** Random dense blocks (the example job's), generated on the executors and cached before any timing. */
    private static BlockMatrix random(JavaSparkContext jsc, int n, int block, long seed) {
        int blocks = (n + block - 1) / block;
        BlockMatrix m = ScaleOutJob.random(jsc, n, block, seed, Math.min(blocks * blocks, 2 * jsc.defaultParallelism()))
                .persist(StorageLevel.MEMORY_ONLY());
        m.blocks().count();
        return m;
    }

    private static Dataset<Row> factors(SparkSession spark, int count, int rank, long seed) {
        StructType schema = new StructType().add("id", DataTypes.IntegerType, false)
                .add("features", DataTypes.createArrayType(DataTypes.FloatType, false));
        JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(java.util.stream.IntStream.range(0, count).boxed().toList(), 4)
                .map(id -> {
                    float[] features = new float[rank];
                    for (int f = 0; f < rank; f++) {
                        features[f] = (float) Math.abs(ScaleOutJob.unit(seed, (long) id * rank + f));
                    }
                    return org.apache.spark.sql.RowFactory.create(id, features);
                });
        Dataset<Row> frame = spark.createDataFrame(rows, schema).persist(StorageLevel.MEMORY_ONLY());
        frame.count();
        return frame;
    }
}
