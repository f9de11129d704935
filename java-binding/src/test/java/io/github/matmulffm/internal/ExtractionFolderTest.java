package io.github.matmulffm.internal;

import io.github.matmulffm.ChildJvm;
import io.github.matmulffm.ChildMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the library is written before it is opened: every folder from it up to the root
 * must be this user's or root's and closed to other writers (a sticky /tmp aside), or
 * another user could swap the file between the check and the load. Tests that need root
 * or a mount namespace (a noexec temporary folder, a folder owned by another user) are in
 * {@code HostileHostTest}, run by {@code make test-hosts}.
 */
class ExtractionFolderTest {

    @Test
    void aPrivateFolderUnderTheStickyTmpIsSafe(@TempDir Path dir) throws Exception {
        Path mine = Files.createDirectories(dir.resolve("mine"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        assertNull(NativeLoader.unsafeFolder(mine));
    }

    @Test
    void aParentWritableByOthersWithoutTheStickyBitIsUnsafe(@TempDir Path dir) throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path mine = Files.createDirectories(open.resolve("mine"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        String reason = NativeLoader.unsafeFolder(mine);
        assertTrue(reason != null && reason.contains(open.toRealPath() + " is writable by others"), reason);
    }

    @Test
    void anExtractionFolderWritableByTheGroupIsUnsafe(@TempDir Path dir) throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwx---"));
        String reason = NativeLoader.unsafeFolder(shared);
        assertTrue(reason != null && reason.contains("the extraction folder"), reason);
    }

    @Test
    void candidatesComeInTheDocumentedOrder() {
        String saved = System.getProperty(NativeLoader.EXTRACT_DIR_PROPERTY);
        try {
            System.setProperty(NativeLoader.EXTRACT_DIR_PROPERTY, "/configured/dir");
            List<Path> candidates = NativeLoader.extractionCandidates();
            assertEquals(Path.of("/configured/dir"), candidates.get(0));
            assertEquals(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath()
                    .resolve("matmul-ffm-" + System.getProperty("user.name")), candidates.get(1));
            assertEquals(Path.of(System.getProperty("user.home"), ".cache", "matmul-ffm").toAbsolutePath(), candidates.get(2));
        } finally {
            if (saved == null) {
                System.clearProperty(NativeLoader.EXTRACT_DIR_PROPERTY);
            } else {
                System.setProperty(NativeLoader.EXTRACT_DIR_PROPERTY, saved);
            }
        }
    }

    /** An unsafe -Dmatmul.extract.dir is skipped for the next folder, and the library still loads. */
    @Test
    void anUnsafeConfiguredFolderIsSkipped(@TempDir Path dir) throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        ChildJvm.Result result = ChildJvm.run(ChildMain.class, Map.of(),
                List.of("-Dmatmul.extract.dir=" + open.resolve("lib"), "-Djava.io.tmpdir=" + tmp), 60);
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("[19.0, 22.0, 43.0, 50.0]"), result.output());
        assertTrue(result.output().contains("loaded " + tmp.toRealPath()), result.output());
    }
}
