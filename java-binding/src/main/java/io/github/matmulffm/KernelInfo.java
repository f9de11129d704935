package io.github.matmulffm;

/**
 * What runs behind {@link Matmul}.
 *
 * @param version       the native kernel's version
 * @param kernel        the microkernel chosen for this CPU: "avx512", "avx2", "neon" or "generic"
 * @param threads       threads a multiply may use now
 * @param poolThreads   worker threads the kernel's pool holds now (at most threads - 1)
 * @param librarySource where the native library came from (a jar resource URL or the
 *                      {@code matmul.library.path} override)
 * @param libraryPath   the file that was loaded (on POSIX systems a private copy, deleted once
 *                      loaded, so that every class loader has an instance of its own)
 */
public record KernelInfo(String version, String kernel, int threads, int poolThreads, String librarySource,
                         String libraryPath) {
}
