package io.github.matmulffm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs against the packaged jar (failsafe puts it on the class path, not target/classes). */
class PackagedJarIT {

    @Test
    void libraryIsLoadedFromInsideThePackagedJar() {
        KernelInfo info = Matmul.info();
        String jar = Path.of(System.getProperty("matmul.test.jar")).getFileName().toString();
        assertTrue(info.librarySource().startsWith("jar:file:"), info.librarySource());
        assertTrue(info.librarySource().contains(jar + "!/META-INF/native/"), info.librarySource());
        double[][] c = Matmul.multiply(new double[][]{{1, 2}, {3, 4}}, new double[][]{{5, 6}, {7, 8}});
        assertArrayEquals(new double[]{19, 22}, c[0]);
        assertArrayEquals(new double[]{43, 50}, c[1]);
    }

    @Test
    void twoJvmsExtractingAtOnceBothSucceed(@TempDir Path extractDir) throws Exception {
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            processes.add(childJvm(extractDir, "-Dmatmul.extract.dir=" + extractDir));
        }
        for (Process process : processes) {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "child JVM timed out");
            String output = new String(process.getInputStream().readAllBytes());
            assertEquals(0, process.exitValue(), output);
            assertTrue(output.contains("[19.0, 22.0, 43.0, 50.0]"), output);
        }
        try (var files = Files.walk(extractDir)) {
            // Each JVM wrote a private copy, opened it and deleted it: nothing is left behind.
            List<Path> left = files.filter(Files::isRegularFile).toList();
            assertEquals(List.of(), left, "no leftover files");
        }
    }

    @Test
    void unwritableExtractDirectoryFallsBackToTheTemporaryFolder(@TempDir Path parent) throws Exception {
        Path notADirectory = Files.writeString(parent.resolve("a-file"), "x");
        Path tmp = Files.createDirectory(parent.resolve("tmp"));
        Process process = childJvm(parent, "-Dmatmul.extract.dir=" + notADirectory.resolve("sub"), "-Djava.io.tmpdir=" + tmp);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("loaded " + tmp.toRealPath().resolve("matmul-ffm-" + System.getProperty("user.name"))), output);
    }

    @Test
    void whenNoFolderWorksTheErrorListsEachInOrder(@TempDir Path parent) throws Exception {
        Path notADirectory = Files.writeString(parent.resolve("a-file"), "x");
        Process process = childJvm(parent, "-Dmatmul.extract.dir=" + notADirectory.resolve("sub"),
                "-Djava.io.tmpdir=" + notADirectory.resolve("tmp"), "-Duser.home=" + notADirectory.resolve("home"));
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(3, process.exitValue(), output);
        assertTrue(output.contains("cannot extract and load the matmul-ffm native library"), output);
        int first = output.indexOf(notADirectory.resolve("sub").toString());
        int second = output.indexOf(notADirectory.resolve("tmp").toString());
        int third = output.indexOf(notADirectory.resolve("home").toString());
        assertTrue(first >= 0 && first < second && second < third, "each folder, in order: " + output);
        assertTrue(output.contains("-Dmatmul.library.path"), output);
        assertTrue(output.contains("-Dmatmul.extract.dir"), output);
    }

    @Test
    void missingOverridePathIsNamedInTheError(@TempDir Path parent) throws Exception {
        Process process = childJvm(parent, "-Dmatmul.library.path=" + parent.resolve("no-such-lib.so"));
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(3, process.exitValue(), output);
        assertTrue(output.contains("-Dmatmul.library.path=" + parent.resolve("no-such-lib.so") + " names no file"), output);
    }

    @Test
    void unsupportedPlatformNamesOsArchAndTheOverride(@TempDir Path parent) throws Exception {
        // The loader resolves the platform from os.name/os.arch, so a JVM that reports
        // another architecture looks for a folder the jar does not have.
        Process process = childJvm(parent, "-Dos.arch=sparcv9", "-Dmatmul.extract.dir=" + parent);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(3, process.exitValue(), output);
        assertTrue(output.contains("matmul-ffm has no native library for this platform"), output);
        assertTrue(output.contains("os.arch=sparcv9"), output);
        assertTrue(output.contains("META-INF/native/linux-sparcv9/"), output);
        assertTrue(output.contains("-Dmatmul.library.path=/path/to/libmatmul_kernel.so"), output);
        try (var files = Files.walk(parent)) {
            assertEquals(0, files.filter(Files::isRegularFile).count(), "nothing extracted");
        }
    }

    @Test
    void unwritableTemporaryFolderFallsBackToTheUserCache(@TempDir Path parent) throws Exception {
        Path notADirectory = Files.writeString(parent.resolve("tmp-is-a-file"), "x");
        Path home = Files.createDirectory(parent.resolve("home"));
        Process process = childJvm(parent, "-Djava.io.tmpdir=" + notADirectory, "-Duser.home=" + home);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        String output = new String(process.getInputStream().readAllBytes());
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("[19.0, 22.0, 43.0, 50.0]"), output);
        assertTrue(output.contains("loaded " + home.toRealPath().resolve(".cache").resolve("matmul-ffm")), output);
    }

    /** A JVM with the packaged jar, slf4j-api and the test classes, running {@link ChildMain}. */
    private static Process childJvm(Path workDir, String... properties) throws Exception {
        String classPath = String.join(File.pathSeparator,
                System.getProperty("matmul.test.jar"),
                location(org.slf4j.LoggerFactory.class),
                location(PackagedJarIT.class));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        command.addAll(List.of(properties));
        command.addAll(List.of("-cp", classPath, ChildMain.class.getName()));
        return new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .start();
    }

    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
