package io.github.matmulffm.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlatformTest {

    @Test
    void jvmPropertiesMapToTheJarFolders() {
        assertEquals("linux-x86_64", Platform.of("Linux", "amd64").id());
        assertEquals("linux-aarch64", Platform.of("Linux", "aarch64").id());
        assertEquals("macos-aarch64", Platform.of("Mac OS X", "aarch64").id());
        assertEquals("macos-x86_64", Platform.of("Mac OS X", "x86_64").id());
        assertEquals("windows-x86_64", Platform.of("Windows 11", "amd64").id());
        assertEquals("META-INF/native/macos-aarch64/libmatmul_kernel.dylib", Platform.of("Mac OS X", "aarch64").resourcePath());
        assertEquals("matmul_kernel.dll", Platform.of("Windows 10", "amd64").libraryFileName());
        assertTrue(Platform.supported(Platform.of("SunOS", "sparcv9")).isEmpty());
        assertEquals("sunos-sparcv9", Platform.of("SunOS", "sparcv9").id());
    }
}
