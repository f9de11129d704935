package io.github.matmulffm.spark;

import io.github.matmulffm.Matmul;
import io.github.matmulffm.NativeLibraryException;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

import java.util.function.Supplier;

/**
 * The thread budget of a Spark task: {@code spark.task.cpus}, read from the task itself
 * ({@link TaskContext#cpus()}, which also honours stage-level resource profiles). Every
 * kernel call of this module runs inside {@link #run}, so an executor with E cores running
 * E / cpus tasks at once never has more than E kernel threads: the oversubscription of a
 * native BLAS that starts a thread per core in every task (SPARK-21305) cannot happen.
 */
final class TaskThreads {
    /** The kernel's largest thread budget. */
    static final int MAX = 1024;

    private TaskThreads() {
    }

    /** Checks {@code spark.task.cpus} on the driver, before any job: a clear message instead of a failed stage. */
    static void checkConf(SparkConf conf) {
        String value = conf.get("spark.task.cpus", "1");
        int cpus;
        try {
            cpus = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("spark.task.cpus must be a whole number between 1 and " + MAX
                    + ", but was \"" + value + "\"", e);
        }
        check(cpus);
    }

    static int check(int cpus) {
        if (cpus < 1 || cpus > MAX) {
            throw new IllegalArgumentException("spark.task.cpus must be between 1 and " + MAX + ", but was " + cpus);
        }
        return cpus;
    }

    /** Runs {@code body} in this task with at most {@code spark.task.cpus} kernel threads. */
    static <T> T run(Supplier<T> body) {
        TaskContext task = TaskContext.get();
        if (task == null) {
            throw new IllegalStateException("matmul-ffm-spark: a block product ran outside a Spark task");
        }
        int cpus = check(task.cpus());
        try {
            return Matmul.withThreads(cpus, body);
        } catch (NativeLibraryException e) {
            SparkEnv env = SparkEnv.get();
            String executor = env == null ? "?" : env.executorId();
            throw new IllegalStateException("matmul-ffm-spark: the native kernel could not be loaded on executor "
                    + executor + " (os.name=" + System.getProperty("os.name") + ", os.arch="
                    + System.getProperty("os.arch") + "): " + e.getMessage(), e);
        }
    }

    /** Loads the kernel on the driver, so a platform the jar lacks fails before a job starts. */
    static void checkKernelOnDriver() {
        try {
            Matmul.info();
        } catch (NativeLibraryException e) {
            throw new IllegalStateException("matmul-ffm-spark: the native kernel could not be loaded on the driver: "
                    + e.getMessage(), e);
        }
    }
}
