package io.github.matmulffm;

/** Storage order of the three matrices of a product, with the CBLAS enum values. */
public enum Layout {
    /** C order: element (i, j) at {@code i * ld + j}. */
    ROW_MAJOR(101),
    /** Fortran order: element (i, j) at {@code i + j * ld}. */
    COL_MAJOR(102);

    private final int cblasValue;

    Layout(int cblasValue) {
        this.cblasValue = cblasValue;
    }

    /** The CBLAS value ({@code CblasRowMajor} = 101, {@code CblasColMajor} = 102). */
    public int cblasValue() {
        return cblasValue;
    }
}
