package io.github.matmulffm;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Hosts set up against us, which need root and a mount namespace to build: a temporary
 * folder mounted noexec, folders owned by another user. Run by {@code make test-hosts}
 * (which {@code .ci/run} runs as root); skipped, saying why, everywhere else.
 */
@Tag("hosts")
class HostileHostTest {

    @BeforeAll
    static void needsRootAndUnshare() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: needs root (make test-hosts as root)");
        Process probe = new ProcessBuilder("unshare", "-m", "true").redirectErrorStream(true).start();
        assumeTrue(probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0,
                "skipped: unshare -m (a mount namespace) is not available here");
    }

    /** ChildMain in a JVM inside a private mount namespace where each folder is a noexec tmpfs. */
    static ChildJvm.Result inNamespace(List<Path> noexec, String... properties) throws Exception {
        StringBuilder script = new StringBuilder("set -e; ");
        for (Path dir : noexec) {
            script.append("mount -t tmpfs -o noexec,mode=0700 tmpfs '").append(dir).append("'; ");
        }
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        java.addAll(List.of(properties));
        java.addAll(List.of("-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                ChildMain.class.getName()));
        script.append("exec");
        for (String arg : java) {
            script.append(" '").append(arg).append("'");
        }
        Process process = new ProcessBuilder("unshare", "-m", "--propagation", "private", "sh", "-c", script.toString())
                .redirectErrorStream(true).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "child timed out");
        return new ChildJvm.Result(process.exitValue(), new String(process.getInputStream().readAllBytes()));
    }

    @Test
    void aNoexecTemporaryFolderFallsBackToTheUserCache(@TempDir Path dir) throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Path home = Files.createDirectory(dir.resolve("home"));
        ChildJvm.Result result = inNamespace(List.of(tmp), "-Djava.io.tmpdir=" + tmp, "-Duser.home=" + home);
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("[19.0, 22.0, 43.0, 50.0]"), result.output());
        assertTrue(result.output().contains("loaded " + home.toRealPath().resolve(".cache/matmul-ffm")), result.output());
    }

    @Test
    void everyFolderNoexecGivesOneMessageListingEach(@TempDir Path dir) throws Exception {
        Path extract = Files.createDirectory(dir.resolve("extract"));
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        Path home = Files.createDirectories(dir.resolve("home/.cache"));
        ChildJvm.Result result = inNamespace(List.of(extract, tmp, home), "-Dmatmul.extract.dir=" + extract,
                "-Djava.io.tmpdir=" + tmp, "-Duser.home=" + dir.resolve("home"));
        assertEquals(3, result.exitCode(), result.output());
        String out = result.output();
        int first = out.indexOf(extract.toString()), second = out.indexOf(tmp.toString()), third = out.indexOf(home.toString());
        assertTrue(first >= 0 && first < second && second < third, "each folder, in order: " + out);
        assertTrue(out.contains("cannot load"), out);
        assertTrue(out.contains("-Dmatmul.library.path"), out);
    }

    @Test
    void aFolderOwnedByAnotherUserIsSkipped(@TempDir Path dir) throws Exception {
        Path foreign = Files.createDirectory(dir.resolve("foreign"));
        Process chown = new ProcessBuilder("chown", "nobody", foreign.toString()).inheritIO().start();
        assertEquals(0, chown.waitFor());
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        ChildJvm.Result result = ChildJvm.run(ChildMain.class, java.util.Map.of(),
                List.of("-Dmatmul.extract.dir=" + foreign.resolve("lib"), "-Djava.io.tmpdir=" + tmp), 60);
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("loaded " + tmp.toRealPath()), result.output());
    }
}
