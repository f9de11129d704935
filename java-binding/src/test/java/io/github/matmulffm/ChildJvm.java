package io.github.matmulffm;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts a test class's main in a fresh JVM on this test run's class path: for what a
 * process decides once (the forced kernel, the loaded library) and for what must not be
 * able to take the test runner down with it (a crash).
 */
public final class ChildJvm {
    /** Exit status and everything the child printed (stdout and stderr together). */
    public record Result(int exitCode, String output) {
    }

    private ChildJvm() {
    }

    public static Result run(Class<?> main, Map<String, String> environment, List<String> jvmOptions, long timeoutSeconds,
                             String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Dmatmul.repo.root=" + System.getProperty("matmul.repo.root", ".."));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classPath());
        command.add(main.getName());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Path log = File.createTempFile("child-jvm", ".log").toPath();
        Process process = builder.redirectOutput(log.toFile()).start();
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(main.getSimpleName() + " did not finish within " + timeoutSeconds
                        + " s (deadlock?); output:\n" + java.nio.file.Files.readString(log));
            }
            return new Result(process.exitValue(), java.nio.file.Files.readString(log));
        } finally {
            java.nio.file.Files.deleteIfExists(log);
        }
    }

    /** Surefire's own class path: the test classes, target/classes and every test dependency. */
    private static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }
}
