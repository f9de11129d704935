package io.github.matmulffm.internal;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The committed jextract output must come from the committed header. */
class BindingsDriftTest {

    @Test
    void bindingsWereGeneratedFromTheCommittedHeader() throws Exception {
        Path root = Path.of(System.getProperty("matmul.repo.root", ".."));
        Path header = root.resolve("rust-kernel/include/matmul_kernel.h");
        Path recorded = root.resolve("java-binding/src/main/java/io/github/matmulffm/internal/ffi/matmul_kernel.h.sha256");
        String expected = Files.readString(recorded).trim().split("\\s+")[0];
        String actual = NativeLoader.sha256(Files.readAllBytes(header));
        assertEquals(expected, actual, "the bindings in internal/ffi were generated from another header than "
                + header + "; run make bindings (JEXTRACT=/path/to/jextract)");
    }
}
