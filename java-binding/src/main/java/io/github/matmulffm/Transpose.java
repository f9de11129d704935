package io.github.matmulffm;

/** Whether an operand enters the product as stored or transposed, with the CBLAS values. */
public enum Transpose {
    /** op(X) = X. */
    NO_TRANS(111),
    /** op(X) = X<sup>T</sup>. */
    TRANS(112);

    private final int cblasValue;

    Transpose(int cblasValue) {
        this.cblasValue = cblasValue;
    }

    /** The CBLAS value ({@code CblasNoTrans} = 111, {@code CblasTrans} = 112). */
    public int cblasValue() {
        return cblasValue;
    }
}
