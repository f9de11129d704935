package io.github.matmulffm.internal;

import java.util.Locale;

/**
 * A strided batch of {@code count} products of one shape after the Java-side checks:
 * product i reads A and B and writes C {@code i * stride} elements past product 0's (a
 * stride of 0 shares one A or B). The kernel checks the same rules
 * ({@code mm_dgemm_batch_strided}); here they get exceptions that name the argument.
 *
 * @param aSpan elements from A's first element that the whole batch reaches (likewise B, C)
 */
public record BatchShape(GemmShape item, long count, long strideA, long strideB, long strideC,
                         long aSpan, long bSpan, long cSpan) {

    public static BatchShape of(GemmShape item, long strideA, long strideB, long strideC, long count) {
        if (count < 0) {
            throw new IllegalArgumentException("batchCount must be >= 0, but was " + count);
        }
        requireStride("strideA", strideA);
        requireStride("strideB", strideB);
        requireStride("strideC", strideC);
        boolean nothing = count == 0 || item.isEmpty();
        long aSpan = nothing ? 0 : span("A", "strideA", item.aReach(), strideA, count);
        long bSpan = nothing ? 0 : span("B", "strideB", item.bReach(), strideB, count);
        long cSpan = count == 0 ? 0 : span("C", "strideC", item.cReach(), strideC, count);
        try {
            Math.multiplyExact(item.multiplyAdds(), count);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("size overflow: " + count + " products of m * n * k = "
                    + item.multiplyAdds() + " multiply-adds do not fit in 64 bits");
        }
        BatchShape shape = new BatchShape(item, count, strideA, strideB, strideC, aSpan, bSpan, cSpan);
        shape.checkOutputsApart();
        return shape;
    }

    private static void requireStride(String name, long stride) {
        if (stride < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, but was " + stride);
        }
    }

    private static long span(String matrix, String strideName, long reach, long stride, long count) {
        if (reach == 0) {
            return 0;
        }
        try {
            return Math.addExact(Math.multiplyExact(count - 1, stride), reach);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("size overflow: " + count + " matrices " + matrix + " " + stride
                    + " elements apart (" + strideName + ") reach past 2^63 elements");
        }
    }

    /** The first {@code products} products of this batch (already checked: a part of a valid batch is valid). */
    BatchShape withCount(long products) {
        boolean nothing = products == 0 || item.isEmpty();
        long part = Math.max(products - 1, 0);
        return new BatchShape(item, products, strideA, strideB, strideC,
                nothing || item.aReach() == 0 ? 0 : part * strideA + item.aReach(),
                nothing || item.bReach() == 0 ? 0 : part * strideB + item.bReach(),
                products == 0 || item.cReach() == 0 ? 0 : part * strideC + item.cReach());
    }

    /** Multiply-adds of the whole batch. */
    public long multiplyAdds() {
        return item.multiplyAdds() * count;
    }

    /** True when no C is touched at all. */
    public boolean isEmpty() {
        return count == 0 || item.isEmpty();
    }

    /** The span of "a", "b" or "c". */
    public long span(String name) {
        return switch (name) {
            case "a" -> aSpan;
            case "b" -> bSpan;
            default -> cSpan;
        };
    }

    private long stride(String name) {
        return switch (name) {
            case "a" -> strideA;
            case "b" -> strideB;
            default -> strideC;
        };
    }

    /** "40 matrices C (row-major, ldc=32) 1024 elements apart": how messages describe an operand. */
    public String describe(String name) {
        return count + " matrices " + item.describe(name.toUpperCase(Locale.ROOT)) + " " + stride(name) + " elements apart";
    }

    /**
     * Refuses C matrices that share an element with each other: matrix i against i + t is
     * matrix 0 against t, so only offsets t * strideC below one matrix's reach are looked at.
     */
    private void checkOutputsApart() {
        long reach = item.cReach();
        if (reach == 0 || count < 2 || item.isEmpty()) {
            return;
        }
        if (strideC == 0) {
            throw new IllegalArgumentException("strideC is 0 but the batch has " + count
                    + " products: C's matrices must not overlap each other");
        }
        GemmShape.Footprint c = item.footprint("C");
        for (long t = 1; t < count && t * strideC < reach; t++) {
            if (Operands.sharesElement(c, c, t * strideC)) {
                throw new IllegalArgumentException("strideC " + strideC + " makes C's matrices overlap: C[0] and C["
                        + t + "] share elements; C's matrices must not overlap each other");
            }
        }
    }

    /**
     * Whether any C matrix shares an element with any matrix of input {@code name} ("a" or
     * "b"), whose first element lies {@code d} elements after C's first. The whole spans
     * first; where they meet, each C matrix against the input matrices whose spans meet it.
     */
    boolean sharesWithInput(String name, long d) {
        long xReach = name.equals("a") ? item.aReach() : item.bReach();
        long xSpan = span(name);
        if (cSpan == 0 || xSpan == 0 || d >= cSpan || -d >= xSpan) {
            return false;
        }
        long sx = stride(name);
        GemmShape.Footprint c = item.footprint("C");
        GemmShape.Footprint x = item.footprint(name.toUpperCase(Locale.ROOT));
        long cReach = item.cReach();
        for (long i = 0; i < count; i++) {
            long ci = i * strideC;
            long ce = ci + cReach;
            // X_j = [d + j*sx, d + j*sx + xReach) meets [ci, ce).
            long lo;
            long hi;
            if (sx == 0) {
                lo = 0;
                hi = 0;
            } else {
                lo = Math.max(0, Math.floorDiv(ci - xReach - d, sx) + 1);
                hi = Math.min(count - 1, Math.floorDiv(ce - 1 - d, sx));
            }
            for (long j = lo; j <= hi; j++) {
                long xj = d + j * sx;
                if (xj < ce && xj + xReach > ci && Operands.sharesElement(c, x, xj - ci)) {
                    return true;
                }
            }
        }
        return false;
    }
}
