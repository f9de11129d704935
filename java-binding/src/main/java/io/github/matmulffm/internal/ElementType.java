package io.github.matmulffm.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The two precisions: what differs between the double and float paths, in one place. */
public enum ElementType {
    F64(ValueLayout.JAVA_DOUBLE, double[].class),
    F32(ValueLayout.JAVA_FLOAT, float[].class);

    private final ValueLayout layout;
    private final Class<?> arrayType;

    ElementType(ValueLayout layout, Class<?> arrayType) {
        this.layout = layout;
        this.arrayType = arrayType;
    }

    public ValueLayout layout() {
        return layout;
    }

    public long bytes() {
        return layout.byteSize();
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
