package io.github.matmulffm.internal;

import io.github.matmulffm.NativeLibraryException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@EnabledOnOs(OS.LINUX)
class GlibcRequirementTest {

    private static byte[] nativeInTheJar() throws IOException {
        try (InputStream in = NativeLoader.class.getResourceAsStream("/" + Platform.current().resourcePath())) {
            return in.readAllBytes();
        }
    }

    /** The newest GLIBC_ version binutils reads from the same file, or null without objdump. */
    private static String objdumpNewest(byte[] library) throws Exception {
        Path file = Files.createTempFile("glibc", ".so");
        try {
            Files.write(file, library);
            Process p = new ProcessBuilder("objdump", "-T", file.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out.lines().flatMap(l -> java.util.regex.Pattern.compile("GLIBC_([0-9.]+)").matcher(l).results())
                    .map(m -> m.group(1)).max(GlibcRequirement::compare).orElse(null);
        } catch (IOException e) {
            return null;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void readsTheSameVersionAsBinutils() throws Exception {
        byte[] library = nativeInTheJar();
        Optional<String> required = GlibcRequirement.newestRequired(library);
        assertTrue(required.isPresent());
        String objdump = objdumpNewest(library);
        if (objdump != null) {
            assertEquals(objdump, required.get());
        }
        assertTrue(GlibcRequirement.compare(required.get(), "2.17") >= 0, required.get());
    }

    @Test
    void thisHostIsGlibcAndRunsItsOwnBuild() throws Exception {
        String host = GlibcRequirement.host().orElseThrow();
        assertTrue(host.matches("2\\.[0-9]+"), host);
        assertDoesNotThrow(() -> GlibcRequirement.requireCompatible(nativeInTheJar(), "test", Optional.of(host)));
    }

    @Test
    void anOlderHostIsRefusedWithBothVersions() throws Exception {
        byte[] library = nativeInTheJar();
        String required = GlibcRequirement.newestRequired(library).orElseThrow();
        var e = assertThrows(NativeLibraryException.class,
                () -> GlibcRequirement.requireCompatible(library, "jar:test!/lib.so", Optional.of("2.12")));
        assertTrue(e.getMessage().contains("needs glibc " + required), e.getMessage());
        assertTrue(e.getMessage().contains("this host has glibc 2.12"), e.getMessage());
        assertTrue(e.getMessage().contains("jar:test!/lib.so"), e.getMessage());
        var musl = assertThrows(NativeLibraryException.class,
                () -> GlibcRequirement.requireCompatible(library, "x", Optional.empty()));
        assertTrue(musl.getMessage().contains("not glibc"), musl.getMessage());
    }

    @Test
    void versionsCompareNumerically() {
        assertTrue(GlibcRequirement.compare("2.28", "2.34") < 0);
        assertTrue(GlibcRequirement.compare("2.100", "2.34") > 0);
        assertEquals(0, GlibcRequirement.compare("2.28", "2.28.0"));
        assertTrue(GlibcRequirement.compare("3", "2.99") > 0);
    }

    @Test
    void otherFilesRequireNothing() throws Exception {
        byte[] library = nativeInTheJar();
        assertTrue(GlibcRequirement.newestRequired(new byte[0]).isEmpty());
        assertTrue(GlibcRequirement.newestRequired("not an ELF file at all, just text".getBytes()).isEmpty());
        // A truncated library: the section table is cut off, so nothing can be read.
        assertTrue(GlibcRequirement.newestRequired(Arrays.copyOf(library, 4096)).isEmpty());
        assertDoesNotThrow(() -> GlibcRequirement.requireCompatible(new byte[16], "x", Optional.of("2.12")));
    }
}
