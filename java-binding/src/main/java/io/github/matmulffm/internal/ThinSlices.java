package io.github.matmulffm.internal;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Transpose;
import io.github.matmulffm.internal.NativeGemm.Routine;

import java.lang.foreign.MemorySegment;

/**
 * Thin products over heap memory (m, n or k at most {@link #THIN_MAX}: dot products, vector x
 * matrix, matrix x vector, outer products) run in place as a series of critical calls, each
 * within the critical limits of {@link HeapGemm} (work and bytes touched), instead of being
 * copied off-heap: such a product does a few multiply-adds per element, so a copy would cost
 * as much as the product itself, and one critical call over all of it would hold off the
 * garbage collector for the whole product. Where {@link HeapGemm.Pooled#spreadsRuns} and a
 * pooled call's limits allow bands of C that reach {@code MM_PARALLEL_MIN_MNK}, the bands are
 * that large instead, and the kernel spreads each over its pool (runs of k stay critical).
 *
 * <p>The slices are bands of C's rows or columns (the long side of C), each a product the
 * kernel computes by the same path as the whole (a band is never narrower than
 * {@link #MIN_BAND}), so every element of C gets the bits the off-heap call gives. When C is small on both sides (m and n at most {@code THIN_MAX}, k
 * long: a dot product) the slices are runs of k, each added to C: the same sum in another
 * grouping, within the parity gauge of the off-heap result.
 */
final class ThinSlices {
    /**
     * The largest m, n or k of a thin product: what does a few multiply-adds per element of
     * its large operand (the kernel streams those with C of one or two columns, and tiles the
     * rest).
     */
    static final long THIN_MAX = 8;

    /** From this many multiply-adds a product is thin rather than tiny (as the kernel's {@code THIN_MIN_MNK}). */
    static final long THIN_MIN_MULTIPLY_ADDS = 4096;

    /**
     * The narrowest band of C's rows or columns: above {@code THIN_MAX}, so that the band's
     * side never becomes the product's narrow one and the kernel streams the band in the same
     * form as the whole product.
     */
    static final long MIN_BAND = THIN_MAX + 1;

    private ThinSlices() {
    }

    /** Which side of the product the slices cut. */
    enum Side { ROWS, COLUMNS, DEPTH }

    /** A plan: cut {@code side} into {@code count} slices of {@code length / count} or one more. */
    record Plan(Side side, long length, long count) {
        long start(long slice) {
            long base = length / count;
            long longer = length % count;
            return slice * base + Math.min(slice, longer);
        }

        long size(long slice) {
            return length / count + (slice < length % count ? 1 : 0);
        }
    }

    static boolean isThin(GemmShape shape) {
        long smallest = Math.min(shape.m(), Math.min(shape.n(), shape.k()));
        return smallest <= THIN_MAX && shape.multiplyAdds() >= THIN_MIN_MULTIPLY_ADDS;
    }

    /**
     * How to cut a thin product into slices within the critical limits (bands within a
     * pooled call's limits where those reach the pool), or null when it is not thin or no
     * cut fits them (the caller then stages the operands off-heap).
     */
    static Plan plan(GemmShape shape, ElementType type) {
        if (!isThin(shape)) {
            return null;
        }
        Side preferred = side(shape);
        if (preferred != Side.DEPTH && HeapGemm.Pooled.spreadsRuns()) {
            // Bands large enough for the kernel to spread each over its pool, where the
            // limits of a pooled call allow them. Not runs of k: their sums are grouped by
            // the runs, so longer runs at some thread settings would change the bits with
            // the setting; bands give every element the off-heap call's bits at any size.
            Plan pooled = plan(shape, type, preferred, HeapGemm.Pooled.MAX_MULTIPLY_ADDS, HeapGemm.Pooled.MAX_RUN_BYTES,
                    HeapGemm.PARALLEL_MIN_MULTIPLY_ADDS);
            if (pooled != null) {
                return pooled;
            }
        }
        Plan plan = plan(shape, type, preferred);
        // Where the preferred side's bands would be too narrow (a long line of C per band),
        // another side may still fit the limits.
        for (Side other : Side.values()) {
            if (plan == null && other != preferred) {
                plan = plan(shape, type, other);
            }
        }
        return plan;
    }

    /**
     * The side to cut: C's long side, in bands of the large operand that are contiguous in
     * memory. Where the large operand's band would be strided (matrix x vector on a
     * column-major A), runs of k instead, which are contiguous there; and runs of k when C
     * is small on both sides (a dot product).
     */
    static Side side(GemmShape shape) {
        long m = shape.m();
        long n = shape.n();
        long k = shape.k();
        if (m <= THIN_MAX && n <= THIN_MAX) {
            return Side.DEPTH;
        }
        if (k <= THIN_MAX && m > THIN_MAX && n > THIN_MAX) {
            // An outer product: C is the large operand; bands along its stored lines.
            return shape.layout() == Layout.ROW_MAJOR ? Side.ROWS : Side.COLUMNS;
        }
        if (n <= THIN_MAX) {
            // op(A) is the large operand: a band of its rows is contiguous when its rows are.
            return columnStride(shape.layout(), shape.transA(), shape.lda()) == 1 || k <= THIN_MAX ? Side.ROWS : Side.DEPTH;
        }
        // m <= THIN_MAX: op(B) is the large operand; a band of its columns is contiguous when its columns are.
        return rowStride(shape.layout(), shape.transB(), shape.ldb()) == 1 || k <= THIN_MAX ? Side.COLUMNS : Side.DEPTH;
    }

    private static Plan plan(GemmShape shape, ElementType type, Side side) {
        return plan(shape, type, side, HeapGemm.CRITICAL_MAX_MULTIPLY_ADDS, HeapGemm.CRITICAL_MAX_BYTES, 0);
    }

    /**
     * Slices within {@code maxMultiplyAdds} and {@code maxBytes} each, the narrowest of at
     * least {@code minMultiplyAdds} (the pool's threshold for bands made for it, else 0),
     * or null.
     */
    private static Plan plan(GemmShape shape, ElementType type, Side side, long maxMultiplyAdds, long maxBytes,
                             long minMultiplyAdds) {
        long m = shape.m();
        long n = shape.n();
        long k = shape.k();
        long length = switch (side) {
            case ROWS -> m;
            case COLUMNS -> n;
            case DEPTH -> k;
        };
        // Elements touched per unit of the cut side, and by the operand every slice reads whole.
        long perUnit = switch (side) {
            case ROWS -> k + n;
            case COLUMNS -> k + m;
            case DEPTH -> m + n;
        };
        long fixed = switch (side) {
            case ROWS -> k * n;
            case COLUMNS -> m * k;
            case DEPTH -> m * n;
        };
        long budgetElements = maxBytes / type.bytes() - fixed;
        if (side == Side.DEPTH && m + n > 2 * THIN_MAX && fixed > budgetElements / 4) {
            // Every run of k reads and writes all of C: with a large C, bands of C's long side
            // (strided, but each element read once) move less memory.
            return null;
        }
        long macsPerUnit = shape.multiplyAdds() / length;
        long units = Math.min(budgetElements / perUnit, maxMultiplyAdds / macsPerUnit);
        if (units < 1 || fixed < 0) {
            return null;
        }
        long count = Math.ceilDiv(length, units);
        long narrowest = length / count;
        if (narrowest * macsPerUnit < minMultiplyAdds) {
            return null;
        }
        if (side != Side.DEPTH && count > 1
                && (narrowest < MIN_BAND || narrowest * macsPerUnit < THIN_MIN_MULTIPLY_ADDS)) {
            return null;
        }
        return new Plan(side, length, count);
    }

    /**
     * Runs the product as the plan's critical calls. Segments are sliced to their reach, as
     * {@link HeapGemm#run(Routine, GemmShape, double, MemorySegment, MemorySegment, double, MemorySegment)} gets them.
     */
    static void run(Plan plan, Routine routine, GemmShape shape, double alpha, MemorySegment a, MemorySegment b,
                    double beta, MemorySegment c) {
        long bytes = routine.elementType().bytes();
        for (long slice = 0; slice < plan.count(); slice++) {
            long start = plan.start(slice);
            long size = plan.size(slice);
            long m = plan.side() == Side.ROWS ? size : shape.m();
            long n = plan.side() == Side.COLUMNS ? size : shape.n();
            long k = plan.side() == Side.DEPTH ? size : shape.k();
            GemmShape part = GemmShape.of(shape.layout(), shape.transA(), shape.transB(), m, n, k,
                    shape.lda(), shape.ldb(), shape.ldc());
            long aAt = 0;
            long bAt = 0;
            long cAt = 0;
            switch (plan.side()) {
                case ROWS -> {
                    aAt = start * rowStride(shape.layout(), shape.transA(), shape.lda());
                    cAt = start * rowStride(shape.layout(), Transpose.NO_TRANS, shape.ldc());
                }
                case COLUMNS -> {
                    bAt = start * columnStride(shape.layout(), shape.transB(), shape.ldb());
                    cAt = start * columnStride(shape.layout(), Transpose.NO_TRANS, shape.ldc());
                }
                case DEPTH -> {
                    aAt = start * columnStride(shape.layout(), shape.transA(), shape.lda());
                    bAt = start * rowStride(shape.layout(), shape.transB(), shape.ldb());
                }
            }
            // Later runs of k add to what the earlier ones left in C.
            double partBeta = plan.side() == Side.DEPTH && slice > 0 ? 1.0 : beta;
            NativeGemm.callInPlace(routine, part, alpha, a.asSlice(aAt * bytes, part.aReach() * bytes),
                    b.asSlice(bAt * bytes, part.bReach() * bytes), partBeta, c.asSlice(cAt * bytes, part.cReach() * bytes));
        }
    }

    /** Elements between op(X)(i, j) and op(X)(i + 1, j). */
    private static long rowStride(Layout layout, Transpose trans, long ld) {
        return (layout == Layout.ROW_MAJOR) == (trans == Transpose.NO_TRANS) ? ld : 1;
    }

    /** Elements between op(X)(i, j) and op(X)(i, j + 1). */
    private static long columnStride(Layout layout, Transpose trans, long ld) {
        return (layout == Layout.ROW_MAJOR) == (trans == Transpose.NO_TRANS) ? 1 : ld;
    }
}
