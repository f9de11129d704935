package io.github.matmulffm.internal;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** Java-side checks of the buffers of a product, with messages that name the argument. */
public final class Operands {
    private Operands() {
    }

    public static void checkArray(String name, ElementType type, Object array, int offset, long reach, GemmShape shape) {
        Objects.requireNonNull(array, name);
        if (offset < 0 || offset > type.length(array)) {
            throw new IndexOutOfBoundsException(name + "Offset " + offset + " is outside " + name + " (length "
                    + type.length(array) + ")");
        }
        long available = (long) type.length(array) - offset;
        if (reach > available) {
            throw new IndexOutOfBoundsException(name + " is too short: " + shape.describe(name.toUpperCase())
                    + " needs " + reach + " elements from offset " + offset + ", but only " + available + " remain");
        }
    }

    public static void checkSegment(String name, ElementType type, MemorySegment segment, long reach,
                                    GemmShape shape, boolean written) {
        Objects.requireNonNull(segment, name);
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException(name + ": the arena of this segment is already closed");
        }
        if (!segment.isAccessibleBy(Thread.currentThread())) {
            throw new WrongThreadException(name + ": this segment is confined to another thread");
        }
        if (written && segment.isReadOnly()) {
            throw new IllegalArgumentException(name + " is read-only but is the output of the product");
        }
        long elements = segment.byteSize() / type.bytes();
        if (reach > elements) {
            throw new IndexOutOfBoundsException(name + " is too small: " + shape.describe(name.toUpperCase())
                    + " needs " + reach + " elements (" + reach * type.bytes() + " bytes), but the segment has "
                    + segment.byteSize() + " bytes");
        }
        if (reach > 0 && segment.maxByteAlignment() < type.bytes()) {
            throw new IllegalArgumentException(name + " is not aligned to " + type.bytes() + " bytes (address "
                    + segment.address() + ")");
        }
    }

    /** Refuses an output that shares memory with an input, which would make the result undefined. */
    public static void checkNoOverlap(MemorySegment c, long cBytes, MemorySegment input, long inputBytes, String name) {
        if (cBytes == 0 || inputBytes == 0) {
            return;
        }
        if (c.asSlice(0, cBytes).asOverlappingSlice(input.asSlice(0, inputBytes)).isPresent()) {
            throw new IllegalArgumentException("c overlaps " + name + ": the output must not share memory with an input");
        }
    }

    public static void checkNoOverlap(Object c, int cOffset, long cReach, Object input, int inputOffset,
                                      long inputReach, String name) {
        if (c != input || cReach == 0 || inputReach == 0) {
            return;
        }
        if (cOffset < inputOffset + inputReach && inputOffset < cOffset + cReach) {
            throw new IllegalArgumentException("c overlaps " + name + ": the output must not share elements with an input");
        }
    }
}
