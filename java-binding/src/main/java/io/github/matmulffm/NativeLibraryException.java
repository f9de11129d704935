package io.github.matmulffm;

/**
 * The native kernel could not be found, extracted or loaded. The message names the
 * platform, the paths tried, and the system property or JVM flag that fixes it.
 */
public class NativeLibraryException extends RuntimeException {
    public NativeLibraryException(String message) {
        super(message);
    }

    public NativeLibraryException(String message, Throwable cause) {
        super(message, cause);
    }
}
