package io.github.matmulffm.spark;

import io.github.matmulffm.Matmul;
import io.github.matmulffm.spark.BlockMultiply.Plan;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.mllib.linalg.distributed.BlockMatrix;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The thread budget as Spark sets it, and a host without the kernel: each task of a job
 * runs the kernel on at most {@code spark.task.cpus} threads, so a job never has more
 * kernel threads than the cores Spark was given; a missing native fails with a message.
 */
class SparkSettingsTest {

    /** local[2], spark.task.cpus = 1 (this JVM's session): two tasks at once, one kernel thread each. */
    @Test
    void tasksWithOneCpuNeverRunMoreKernelThreadsThanSparkHasCores() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(LocalSpark.get().sparkContext());
        assertEquals(1, Integer.parseInt(jsc.getConf().get("spark.task.cpus", "1")));
        BlockMatrix a = RandomBlocks.matrix(jsc, 41, 512, 384, 128, 128, 4, 0);
        BlockMatrix b = RandomBlocks.matrix(jsc, 42, 384, 512, 128, 128, 4, 0);
        Matmul.peakKernelThreads(true);
        for (Plan plan : List.of(Plan.BROADCAST_B, Plan.GROUPED)) {
            assertTrue(BlockMultiply.multiply(a, b, plan).blocks().count() > 0);
        }
        int peak = Matmul.peakKernelThreads(true);
        assertTrue(peak >= 1 && peak <= 2, "local[2] with spark.task.cpus=1 ran " + peak + " kernel threads at once");
    }

    @Test
    void tasksWithTwoCpusGetTwoThreadsAndTheSameProduct() throws Exception {
        Map<String, String> out = child(List.of(), "product", "2");
        assertEquals("2", out.get("cpus"));
        int peak = Integer.parseInt(out.get("peak"));
        assertTrue(peak >= 1 && peak <= 2, "local[2] with spark.task.cpus=2: " + peak + " kernel threads at once");
        assertTrue(Double.parseDouble(out.get("ratio")) < 16, "error ratio " + out.get("ratio"));
    }

    /**
     * One task at a time (default parallelism 1): with spark.task.cpus=1 it runs the kernel
     * on one thread; with the budget dropped ({@code spark.matmulffm.taskThreads=all}) on
     * every core. (Two unbudgeted tasks at once do not oversubscribe much either: the one
     * that finds the slots taken computes alone, and pieces go to whichever thread is free.)
     */
    @Test
    void aLoneTaskIsHeldToItsCpusUnlessTheBudgetIsDropped() throws Exception {
        Map<String, String> held = child(List.of(), "product", "1", "1");
        assertEquals("1", held.get("peak"), "spark.task.cpus=1, one task at a time");
        Map<String, String> all = child(List.of("-Dspark.matmulffm.taskThreads=all"), "product", "1", "1");
        assertEquals("2", all.get("peak"), "spark.matmulffm.taskThreads=all, one task at a time");
        assertTrue(Double.parseDouble(all.get("ratio")) < 16, "error ratio " + all.get("ratio"));
    }

    @Test
    void aMissingNativeFailsTheJobWithAMessageNotACrash() throws Exception {
        Map<String, String> out = child(List.of("-Dmatmul.library.path=/nonexistent/libmatmul_kernel.so"), "no-native", "1");
        // The driver only warns (it computes nothing); the job fails where the kernel runs.
        assertTrue(out.get("product").contains("matmul-ffm-spark: the native kernel could not be loaded on executor driver"),
                out.get("product"));
        assertTrue(out.get("product").contains("/nonexistent/libmatmul_kernel.so"), out.get("product"));
        assertTrue(out.get("executor").contains("matmul-ffm-spark: the native kernel could not be loaded on executor driver"),
                out.get("executor"));
    }

    private static Map<String, String> child(List<String> jvmOptions, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("spark.test.jvm.flags").trim().split("\\s+")));
        command.add("-Xmx1g");
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        command.add(ChildCheck.class.getName());
        command.addAll(Arrays.asList(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish");
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), "the child JVM failed:\n" + text);
        Map<String, String> values = new HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.substring(0, eq).matches("[a-z]+")) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return values;
    }
}
