package io.github.matmulffm.internal;

import io.github.matmulffm.internal.ffi.matmul_kernel_h;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The two precisions: what differs between the double and float paths, in one place. */
public enum ElementType {
    F64(ValueLayout.JAVA_DOUBLE, double[].class, matmul_kernel_h.C_DOUBLE),
    F32(ValueLayout.JAVA_FLOAT, float[].class, matmul_kernel_h.C_FLOAT);

    private final ValueLayout layout;
    private final Class<?> arrayType;
    private final ValueLayout scalarLayout;

    ElementType(ValueLayout layout, Class<?> arrayType, ValueLayout scalarLayout) {
        this.layout = layout;
        this.arrayType = arrayType;
        this.scalarLayout = scalarLayout;
    }

    /** The C type of alpha and beta in the kernel's signature (the generated layout). */
    ValueLayout scalarLayout() {
        return scalarLayout;
    }

    public ValueLayout layout() {
        return layout;
    }

    public long bytes() {
        // Not layout.byteSize(): an enum's fields are not constants to the JIT, and on the
        // small-product path that virtual call was left out of line (5% of a 8 x 8 call).
        return this == F64 ? Double.BYTES : Float.BYTES;
    }

    /** Length of a double[] or float[] of this type. */
    public int length(Object array) {
        return this == F64 ? ((double[]) array).length : ((float[]) array).length;
    }

    /** A heap segment over the whole array (no copy). */
    public MemorySegment wrap(Object array) {
        return this == F64 ? MemorySegment.ofArray((double[]) array) : MemorySegment.ofArray((float[]) array);
    }

    public boolean isArray(Object array) {
        return arrayType.isInstance(array);
    }
}
