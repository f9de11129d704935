package io.github.matmulffm.internal;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The os/arch pair that names the folder {@code META-INF/native/<os>-<arch>/} in the jar. */
public record Platform(String os, String arch) {

    public static Platform current() {
        return of(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    /** Normalises JVM property values ("Linux"/"amd64", "Mac OS X"/"aarch64", ...). */
    public static Platform of(String osName, String osArch) {
        String name = osName.toLowerCase(Locale.ROOT);
        String os = name.startsWith("linux") ? "linux"
                : name.startsWith("mac") || name.startsWith("darwin") ? "macos"
                : name.startsWith("windows") ? "windows"
                : name.replaceAll("[^a-z0-9]", "");
        String arch = switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> osArch.toLowerCase(Locale.ROOT);
        };
        return new Platform(os, arch);
    }

    /** "linux-x86_64", ... */
    public String id() {
        return os + "-" + arch;
    }

    /** The library's file name on this OS, whether or not the jar ships one. */
    public String libraryFileName() {
        return switch (os) {
            case "macos" -> "libmatmul_kernel.dylib";
            case "windows" -> "matmul_kernel.dll";
            default -> "libmatmul_kernel.so";
        };
    }

    /** The jar resource for this platform. */
    public String resourcePath() {
        return "META-INF/native/" + id() + "/" + libraryFileName();
    }

    /** The platforms a released jar carries a native for. */
    public static final List<Platform> RELEASED = List.of(new Platform("linux", "x86_64"), new Platform("linux", "aarch64"),
            new Platform("macos", "aarch64"), new Platform("macos", "x86_64"), new Platform("windows", "x86_64"));

    public static Optional<Platform> supported(Platform platform) {
        return RELEASED.contains(platform) ? Optional.of(platform) : Optional.empty();
    }

    /** The released platforms whose native the jar (or class path) of {@code anchor} holds. */
    public static List<Platform> inJar(Class<?> anchor) {
        return RELEASED.stream().filter(p -> anchor.getResource("/" + p.resourcePath()) != null).toList();
    }
}
