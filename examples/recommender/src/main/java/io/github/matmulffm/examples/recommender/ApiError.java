package io.github.matmulffm.examples.recommender;

/** A request the service refuses: the HTTP status, the field at fault, and why. */
final class ApiError extends RuntimeException {
    final int status;
    final String field;

    ApiError(int status, String field, String message) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
    }
}
