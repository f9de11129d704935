package io.github.matmulffm.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlatformTest {

    /** os.name and os.arch as JVMs report them on each platform, to the jar's folder and file. */
    @ParameterizedTest(name = "{0} / {1} -> {2}/{3}")
    @CsvSource({
            "Linux,         amd64,   linux-x86_64,   libmatmul_kernel.so",
            "Linux,         x86_64,  linux-x86_64,   libmatmul_kernel.so",
            "Linux,         aarch64, linux-aarch64,  libmatmul_kernel.so",
            "Linux,         arm64,   linux-aarch64,  libmatmul_kernel.so",
            "Mac OS X,      aarch64, macos-aarch64,  libmatmul_kernel.dylib",
            "Mac OS X,      x86_64,  macos-x86_64,   libmatmul_kernel.dylib",
            "Darwin,        arm64,   macos-aarch64,  libmatmul_kernel.dylib",
            "Windows 11,    amd64,   windows-x86_64, matmul_kernel.dll",
            "Windows 10,    amd64,   windows-x86_64, matmul_kernel.dll",
            "Windows Server 2022, x86_64, windows-x86_64, matmul_kernel.dll",
            "Windows 11,    aarch64, windows-aarch64, matmul_kernel.dll",
    })
    void jvmPropertiesMapToTheJarFolders(String osName, String osArch, String folder, String file) {
        Platform platform = Platform.of(osName, osArch);
        assertEquals(folder, platform.id());
        assertEquals(file, platform.libraryFileName());
        assertEquals("META-INF/native/" + folder + "/" + file, platform.resourcePath());
    }

    @ParameterizedTest
    @CsvSource({"Linux, amd64", "Linux, aarch64", "Mac OS X, aarch64", "Mac OS X, x86_64", "Windows 11, amd64"})
    void theFiveReleasedPlatformsAreSupported(String osName, String osArch) {
        assertTrue(Platform.supported(Platform.of(osName, osArch)).isPresent());
    }

    @ParameterizedTest
    @CsvSource({"SunOS, sparcv9, sunos-sparcv9", "Linux, riscv64, linux-riscv64", "FreeBSD, amd64, freebsd-x86_64",
            "Windows 11, aarch64, windows-aarch64", "Linux, ppc64le, linux-ppc64le"})
    void otherPlatformsAreNot(String osName, String osArch, String id) {
        assertEquals(id, Platform.of(osName, osArch).id());
        assertTrue(Platform.supported(Platform.of(osName, osArch)).isEmpty());
    }

    @Test
    void theMissingPlatformMessageNamesWhatWasFoundAndWhatIsThere() {
        Platform riscv = Platform.of("Linux", "riscv64");
        String message = NativeLoader.missingPlatformMessage(riscv, "Linux", "riscv64",
                List.of(Platform.of("Linux", "amd64"), Platform.of("Mac OS X", "aarch64")));
        assertTrue(message.contains("os.name=Linux, os.arch=riscv64 (platform linux-riscv64)"), message);
        assertTrue(message.contains("carries natives for: linux-x86_64, macos-aarch64."), message);
        assertTrue(message.contains("-Dmatmul.library.path=/path/to/libmatmul_kernel.so"), message);
        String none = NativeLoader.missingPlatformMessage(riscv, "Linux", "riscv64", List.of());
        assertTrue(none.contains("carries natives for: none"), none);
    }

    @Test
    void theTestClassPathCarriesThisHostsNative() {
        assertTrue(Platform.inJar(NativeLoader.class).contains(Platform.current()), Platform.inJar(NativeLoader.class).toString());
    }
}
