package io.github.matmulffm.internal;

import java.lang.foreign.MemorySegment;
import java.util.Locale;
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
            throw new IndexOutOfBoundsException(name + " is too short: " + shape.describe(name.toUpperCase(Locale.ROOT))
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
            throw new IndexOutOfBoundsException(name + " is too small: " + shape.describe(name.toUpperCase(Locale.ROOT))
                    + " needs " + reach + " elements (" + reach * type.bytes() + " bytes), but the segment has "
                    + segment.byteSize() + " bytes");
        }
        if (reach > 0 && segment.maxByteAlignment() < type.bytes()) {
            throw new IllegalArgumentException(name + " is not aligned to " + type.bytes() + " bytes (address "
                    + segment.address() + ")");
        }
    }

    /**
     * Refuses an output that shares an element with an input (the result would depend on
     * the order of the kernel's writes). Disjoint sub-matrix views of one buffer with the
     * same leading dimension are accepted; with different leading dimensions any
     * intersection of the spanned memory is refused.
     */
    public static void checkNoOverlap(MemorySegment c, GemmShape shape, MemorySegment input, String name, ElementType type) {
        long cBytes = shape.cReach() * type.bytes();
        long inputBytes = reach(shape, name) * type.bytes();
        if (cBytes == 0 || inputBytes == 0) {
            return;
        }
        if (!spansMeet(c, cBytes, input, inputBytes)) {
            return;
        }
        // Overlapping slices share a base (the same memory or the same array), so the
        // difference of their addresses is the input's offset from C in bytes.
        long byteOffset = input.address() - c.address();
        if (byteOffset % type.bytes() != 0
                || sharesElement(shape.footprint("C"), shape.footprint(name.toUpperCase(Locale.ROOT)), byteOffset / type.bytes())) {
            throw new IllegalArgumentException("c overlaps " + name + ": the output must not share memory with an input");
        }
    }

    /** The array version: offsets are element indices into the same array object. */
    public static void checkNoOverlap(Object c, int cOffset, GemmShape shape, Object input, int inputOffset, String name) {
        long cReach = shape.cReach();
        long inputReach = reach(shape, name);
        if (c != input || cReach == 0 || inputReach == 0
                || cOffset >= inputOffset + inputReach || inputOffset >= cOffset + cReach) {
            return;
        }
        if (sharesElement(shape.footprint("C"), shape.footprint(name.toUpperCase(Locale.ROOT)), (long) inputOffset - cOffset)) {
            throw new IllegalArgumentException("c overlaps " + name + ": the output must not share elements with an input");
        }
    }

    // ---------------------------------------------------------------- batches

    /** {@link #checkArray} for the whole batch's span of one operand. */
    public static void checkArray(String name, ElementType type, Object array, int offset, BatchShape batch) {
        Objects.requireNonNull(array, name);
        if (offset < 0 || offset > type.length(array)) {
            throw new IndexOutOfBoundsException(name + "Offset " + offset + " is outside " + name + " (length "
                    + type.length(array) + ")");
        }
        long available = (long) type.length(array) - offset;
        long span = batch.span(name);
        if (span > available) {
            throw new IndexOutOfBoundsException(name + " is too short: " + batch.describe(name) + " need " + span
                    + " elements from offset " + offset + ", but only " + available + " remain");
        }
    }

    /** {@link #checkSegment} for the whole batch's span of one operand. */
    public static void checkSegment(String name, ElementType type, MemorySegment segment, BatchShape batch, boolean written) {
        long span = batch.span(name);
        try {
            checkSegment(name, type, segment, span, batch.item(), written);
        } catch (IndexOutOfBoundsException e) {
            throw new IndexOutOfBoundsException(name + " is too small: " + batch.describe(name) + " need " + span
                    + " elements (" + span * type.bytes() + " bytes), but the segment has " + segment.byteSize() + " bytes");
        }
    }

    /** Refuses a batch whose C matrices share an element with any matrix of an input array. */
    public static void checkNoOverlap(Object c, int cOffset, BatchShape batch, Object input, int inputOffset, String name) {
        if (c == input && batch.sharesWithInput(name, (long) inputOffset - cOffset)) {
            throw new IllegalArgumentException("c overlaps " + name + ": no matrix of the output may share elements with "
                    + "a matrix of an input");
        }
    }

    /** Refuses a batch whose C matrices share memory with any matrix of an input segment. */
    public static void checkNoOverlap(MemorySegment c, BatchShape batch, MemorySegment input, String name, ElementType type) {
        long cBytes = batch.cSpan() * type.bytes();
        long inputBytes = batch.span(name) * type.bytes();
        if (cBytes == 0 || inputBytes == 0) {
            return;
        }
        if (!spansMeet(c, cBytes, input, inputBytes)) {
            return;
        }
        long byteOffset = input.address() - c.address();
        if (byteOffset % type.bytes() != 0 || batch.sharesWithInput(name, byteOffset / type.bytes())) {
            throw new IllegalArgumentException("c overlaps " + name + ": no matrix of the output may share memory with "
                    + "a matrix of an input");
        }
    }

    /** Whether the first {@code cBytes} of c and the first {@code inputBytes} of input share memory. */
    private static boolean spansMeet(MemorySegment c, long cBytes, MemorySegment input, long inputBytes) {
        if (c.isNative() && input.isNative()) {
            // The common case, compared by address without the slices below (this runs on
            // every call, and a 2 x 2 product takes about a hundred nanoseconds).
            long c0 = c.address();
            long x0 = input.address();
            return c0 < x0 + inputBytes && x0 < c0 + cBytes;
        }
        return c.asSlice(0, cBytes).asOverlappingSlice(input.asSlice(0, inputBytes)).isPresent();
    }

    private static long reach(GemmShape shape, String name) {
        return name.equals("a") ? shape.aReach() : shape.bReach();
    }

    /**
     * Whether footprints whose spans intersect share an element, X starting {@code d}
     * elements after C. Exact for equal leading dimensions: C holds i*ld + j, X holds
     * d + r*ld + s, and they meet where (i - r)*ld = d + s - j, i.e. for a multiple t*ld in
     * [d - c.inner + 1, d + x.inner - 1] with t in [-(x.outer - 1), c.outer - 1].
     */
    static boolean sharesElement(GemmShape.Footprint c, GemmShape.Footprint x, long d) {
        if (c.ld() != x.ld()) {
            return true;
        }
        long ld = c.ld();
        long low = d - c.inner() + 1;
        long high = d + x.inner() - 1;
        for (long t = Math.ceilDiv(low, ld); t * ld <= high; t++) {
            if (t >= -(x.outer() - 1) && t < c.outer()) {
                return true;
            }
        }
        return false;
    }
}
