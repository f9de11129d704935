package io.github.matmulffm;

/**
 * A failure inside the native kernel that is not a bad argument: an allocation failure or
 * an internal error. Bad arguments get {@link NullPointerException},
 * {@link IllegalArgumentException} or {@link IndexOutOfBoundsException} instead.
 */
public class MatmulException extends RuntimeException {
    private final int status;

    public MatmulException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The native status code ({@code MM_ERR_*}). */
    public int status() {
        return status;
    }
}
