package io.github.matmulffm;

/**
 * What runs behind {@link Matmul}.
 *
 * @param version       the native kernel's version
 * @param kernel        the microkernel chosen for this CPU: "avx512", "avx2" or "generic"
 * @param threads       threads a multiply may use now
 * @param librarySource where the native library came from (a jar resource URL or the
 *                      {@code matmul.library.path} override)
 * @param libraryPath   the file that was loaded
 */
public record KernelInfo(String version, String kernel, int threads, String librarySource, String libraryPath) {
}
