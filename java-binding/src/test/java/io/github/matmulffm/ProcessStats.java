package io.github.matmulffm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What the tests read about this process from Linux's /proc: memory, threads, mappings. */
public final class ProcessStats {
    private ProcessStats() {
    }

    /** Resident set size in KiB, or -1 where /proc has none (not Linux). */
    public static long residentKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            // Not Linux: callers skip their memory bound.
        }
        return -1;
    }

    /** Distinct mapped files whose path contains {@code path}. */
    public static long mappedLibraries(String path) throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.contains(path)).map(l -> l.substring(l.indexOf('/'))).distinct().count();
        }
    }

    /** OS threads named like the kernel's pool workers ("matmul-w<N>"), in the whole process. */
    public static long workerThreads() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            List<Path> all = tasks.toList();
            long count = 0;
            for (Path task : all) {
                try {
                    if (Files.readString(task.resolve("comm")).startsWith("matmul-w")) {
                        count++;
                    }
                } catch (IOException gone) {
                    // The thread exited while we looked.
                }
            }
            return count;
        }
    }
}
