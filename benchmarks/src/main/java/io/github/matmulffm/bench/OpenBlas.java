package io.github.matmulffm.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The system OpenBLAS through hand-written FFM downcalls: {@code cblas_dgemm},
 * {@code cblas_sgemm} and the thread and core queries. Only the benchmarks use it; when no
 * library is found, {@link #available()} is false and {@link #unavailableReason()} says why.
 *
 * <p>The library is looked up as {@code -Dopenblas.library=PATH} if set, else by the usual
 * names ({@code libopenblas.so.0}, {@code libopenblas.so}, Debian's openblas-pthread folder,
 * {@code libopenblas.dylib}). OpenBLAS picks its core when loaded, from {@code OPENBLAS_CORETYPE}
 * if set: the launcher sets it before the JVM starts (see the Makefile).
 */
public final class OpenBlas {
    private static final int CBLAS_ROW_MAJOR = 101;
    private static final int CBLAS_NO_TRANS = 111;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout ADDRESS = ValueLayout.ADDRESS;

    private record Handles(String library, MethodHandle dgemm, MethodHandle sgemm, MethodHandle setNumThreads,
                           MethodHandle getNumThreads, MethodHandle getCorename, MethodHandle getConfig) {
    }

    private static final Handles HANDLES;
    private static final String REASON;
    // The two hot handles in static finals of their own, so the JIT sees them as constants.
    private static final MethodHandle DGEMM;
    private static final MethodHandle SGEMM;

    static {
        Handles handles = null;
        String reason = null;
        try {
            handles = load();
        } catch (RuntimeException | LinkageError e) {
            reason = e.getMessage();
        }
        HANDLES = handles;
        REASON = reason;
        DGEMM = handles == null ? null : handles.dgemm();
        SGEMM = handles == null ? null : handles.sgemm();
    }

    private OpenBlas() {
    }

    private static Handles load() {
        List<String> tried = new ArrayList<>();
        for (String candidate : candidates()) {
            SymbolLookup lookup;
            try {
                lookup = SymbolLookup.libraryLookup(candidate, Arena.global());
            } catch (IllegalArgumentException e) {
                tried.add(candidate);
                continue;
            }
            if (lookup.find("cblas_dgemm").isEmpty() || lookup.find("openblas_get_corename").isEmpty()) {
                tried.add(candidate + " (no cblas_dgemm/openblas_get_corename)");
                continue;
            }
            Linker linker = Linker.nativeLinker();
            FunctionDescriptor dgemm = FunctionDescriptor.ofVoid(INT, INT, INT, INT, INT, INT, ValueLayout.JAVA_DOUBLE,
                    ADDRESS, INT, ADDRESS, INT, ValueLayout.JAVA_DOUBLE, ADDRESS, INT);
            FunctionDescriptor sgemm = FunctionDescriptor.ofVoid(INT, INT, INT, INT, INT, INT, ValueLayout.JAVA_FLOAT,
                    ADDRESS, INT, ADDRESS, INT, ValueLayout.JAVA_FLOAT, ADDRESS, INT);
            return new Handles(resolve(candidate),
                    linker.downcallHandle(lookup.find("cblas_dgemm").orElseThrow(), dgemm),
                    linker.downcallHandle(lookup.find("cblas_sgemm").orElseThrow(), sgemm),
                    linker.downcallHandle(lookup.find("openblas_set_num_threads").orElseThrow(), FunctionDescriptor.ofVoid(INT)),
                    linker.downcallHandle(lookup.find("openblas_get_num_threads").orElseThrow(), FunctionDescriptor.of(INT)),
                    linker.downcallHandle(lookup.find("openblas_get_corename").orElseThrow(), FunctionDescriptor.of(ADDRESS)),
                    linker.downcallHandle(lookup.find("openblas_get_config").orElseThrow(), FunctionDescriptor.of(ADDRESS)));
        }
        throw new IllegalStateException("no OpenBLAS library found (tried " + String.join(", ", tried)
                + "); install it (Debian: apt-get install libopenblas-dev) or set -Dopenblas.library=PATH");
    }

    private static List<String> candidates() {
        String property = System.getProperty("openblas.library");
        if (property != null && !property.isBlank()) {
            return List.of(property);
        }
        return List.of("libopenblas.so.0", "libopenblas.so",
                "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
                "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
                "libopenblas.dylib", "/opt/homebrew/opt/openblas/lib/libopenblas.dylib");
    }

    /** The file behind a library name, following Debian's alternatives links where it can. */
    private static String resolve(String name) {
        for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib")) {
            Path path = name.startsWith("/") ? Path.of(name) : Path.of(dir, name);
            if (Files.exists(path)) {
                try {
                    return path.toRealPath().toString();
                } catch (java.io.IOException e) {
                    return path.toString();
                }
            }
        }
        return name;
    }

    /** Whether a usable OpenBLAS was found. */
    public static boolean available() {
        return HANDLES != null;
    }

    /** Why OpenBLAS is unavailable, or null when it is available. */
    public static String unavailableReason() {
        return REASON;
    }

    /** The library file that was loaded. */
    public static String library() {
        return handles().library();
    }

    /** The core OpenBLAS runs (e.g. "SkylakeX", "Haswell", "Prescott"). */
    public static String corename() {
        try {
            return ((MemorySegment) handles().getCorename().invokeExact()).reinterpret(256).getString(0).trim();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** OpenBLAS's build configuration string (version, threading, target). */
    public static String config() {
        try {
            return ((MemorySegment) handles().getConfig().invokeExact()).reinterpret(1024).getString(0).trim();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void setThreads(int threads) {
        try {
            handles().setNumThreads().invokeExact(threads);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int threads() {
        try {
            return (int) handles().getNumThreads().invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** C := A * B, square n x n, row-major, over off-heap segments. */
    public static void dgemm(int n, MemorySegment a, MemorySegment b, MemorySegment c) {
        try {
            DGEMM.invokeExact(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, n, n, n,
                    1.0, a, n, b, n, 0.0, c, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** C := A * B, row-major, op(A) m x k, op(B) k x n, over off-heap segments (unpadded). */
    public static void dgemm(int m, int n, int k, MemorySegment a, MemorySegment b, MemorySegment c) {
        try {
            DGEMM.invokeExact(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, m, n, k,
                    1.0, a, Math.max(1, k), b, Math.max(1, n), 0.0, c, Math.max(1, n));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** C := A * B in single precision, square n x n, row-major, over off-heap segments. */
    public static void sgemm(int n, MemorySegment a, MemorySegment b, MemorySegment c) {
        try {
            SGEMM.invokeExact(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, n, n, n,
                    1.0f, a, n, b, n, 0.0f, c, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static Handles handles() {
        if (HANDLES == null) {
            throw new IllegalStateException(REASON);
        }
        return HANDLES;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) {
            return e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
