package io.github.matmulffm.internal;

import io.github.matmulffm.MatmulException;
import io.github.matmulffm.internal.ffi.matmul_kernel_h;

/**
 * Maps a kernel status to the exception a Java caller expects. The Java-side checks
 * normally throw first; these mappings are the backstop that keeps every failure an
 * exception even if the two sides ever disagree.
 */
public final class NativeStatus {
    private NativeStatus() {
    }

    /** Small, so the JIT inlines the common case (MM_OK) into every downcall's caller. */
    public static void check(String function, int status) {
        if (status != matmul_kernel_h.MM_OK()) {
            throw failure(function, status);
        }
    }

    private static RuntimeException failure(String function, int status) {
        String message = function + " returned status " + status + ": " + message(status);
        if (status == matmul_kernel_h.MM_ERR_NULL_POINTER()) {
            return new NullPointerException(message);
        }
        if (status == matmul_kernel_h.MM_ERR_BUFFER_TOO_SMALL()) {
            return new IndexOutOfBoundsException(message);
        }
        if (status == matmul_kernel_h.MM_ERR_INVALID_DIMENSION()
                || status == matmul_kernel_h.MM_ERR_INVALID_LEADING_DIMENSION()
                || status == matmul_kernel_h.MM_ERR_INVALID_ARGUMENT()) {
            return new IllegalArgumentException(message);
        }
        return new MatmulException(message, status);
    }

    /** The kernel's own static description of a status code. */
    public static String message(int status) {
        return NativeLoader.library().statusMessage(status);
    }
}
