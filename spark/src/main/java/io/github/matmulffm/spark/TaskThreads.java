package io.github.matmulffm.spark;

import io.github.matmulffm.Matmul;
import io.github.matmulffm.NativeLibraryException;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * The thread budget of a Spark task: {@code spark.task.cpus}, read from the task itself
 * ({@link TaskContext#cpus()}, which also honours stage-level resource profiles). Every
 * kernel call of this module runs inside {@link #run}, so an executor with E cores running
 * E / cpus tasks at once never has more than E kernel threads: the oversubscription of a
 * native BLAS that starts a thread per core in every task (SPARK-21305) cannot happen.
 *
 * <p>{@code spark.matmulffm.taskThreads=all} drops the budget: each task asks the kernel for
 * every core, the naive native setup, kept so that a benchmark can show what the budget
 * saves. The default is {@code cpus}.
 */
final class TaskThreads {
    private static final Logger LOG = LoggerFactory.getLogger(TaskThreads.class);
    /** The kernel's largest thread budget. */
    static final int MAX = 1024;
    static final String TASK_THREADS_KEY = "spark.matmulffm.taskThreads";

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
        budgeted(conf.get(TASK_THREADS_KEY, "cpus"));
    }

    /** Whether a {@code spark.matmulffm.taskThreads} value keeps the budget. */
    static boolean budgeted(String taskThreads) {
        return switch (taskThreads.trim()) {
            case "cpus" -> true;
            case "all" -> false;
            default -> throw new IllegalArgumentException(TASK_THREADS_KEY + " must be \"cpus\" or \"all\", but was \""
                    + taskThreads + "\"");
        };
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
        SparkEnv env = SparkEnv.get();
        boolean budgeted = env == null || budgeted(env.conf().get(TASK_THREADS_KEY, "cpus"));
        try {
            return budgeted ? Matmul.withThreads(cpus, body) : body.get();
        } catch (NativeLibraryException e) {
            String executor = env == null ? "?" : env.executorId();
            throw new IllegalStateException("matmul-ffm-spark: the native kernel could not be loaded on executor "
                    + executor + " (os.name=" + System.getProperty("os.name") + ", os.arch="
                    + System.getProperty("os.arch") + "): " + e.getMessage(), e);
        }
    }

    /**
     * Loads the kernel on the driver, which computes nothing itself: a driver that lacks it
     * (a laptop of another platform, in client mode) only gets a warning, and an executor
     * that lacks it fails its job with a message from {@link #run}.
     */
    static void checkKernelOnDriver() {
        try {
            Matmul.info();
        } catch (NativeLibraryException e) {
            LOG.warn("matmul-ffm-spark: the native kernel cannot be loaded on the driver ({}); the executors need it, "
                    + "the driver does not", e.getMessage());
        }
    }
}
