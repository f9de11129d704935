package io.github.matmulffm;

import io.github.matmulffm.PropertyCall.Operand;
import io.github.matmulffm.PropertyCall.Storage;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Random valid products (shapes, paddings, offsets, layouts, transposes, scalars, storage,
 * precision) against the pure-Java reference: C's window within the gauge, every other
 * element of C's buffer and all of A's and B's unchanged.
 */
class GemmPropertyTest {
    /** Elements after each operand's reach, which no call may touch. */
    static final int TAIL = 3;

    @Provide
    Arbitrary<Double> scalars() {
        return Arbitraries.oneOf(Arbitraries.of(0.0, 1.0, -1.5, 0.7), Arbitraries.doubles().between(-2, 2));
    }

    @Property(tries = 400)
    void matchesTheReference(@ForAll Storage storage, @ForAll boolean f32, @ForAll Layout layout,
                             @ForAll Transpose transA, @ForAll Transpose transB,
                             @ForAll @IntRange(max = 40) int m, @ForAll @IntRange(max = 40) int n, @ForAll @IntRange(max = 40) int k,
                             @ForAll @IntRange(max = 5) int padA, @ForAll @IntRange(max = 5) int padB, @ForAll @IntRange(max = 5) int padC,
                             @ForAll @IntRange(max = 5) int offA, @ForAll @IntRange(max = 5) int offB, @ForAll @IntRange(max = 5) int offC,
                             @ForAll("scalars") double alpha, @ForAll("scalars") double beta, @ForAll long seed) {
        PropertyCall call = valid(storage, f32, layout, transA, transB, m, n, k, new int[]{padA, padB, padC},
                new int[]{offA, offB, offC}, alpha, beta, seed);
        PropertyCall before = call.copy();
        call.invoke();
        assertArrayEquals(before.a.data, call.a.data, "A changed: " + before);
        assertArrayEquals(before.b.data, call.b.data, "B changed: " + before);
        Reference.assertGemm(layout, transA, transB, m, n, k, call.alpha, before.a.data, offA, (int) call.lda,
                before.b.data, offB, (int) call.ldb, call.beta, before.c.data, call.c.data, offC, (int) call.ldc,
                f32 ? Math.ulp(1.0f) : Math.ulp(1.0), before.toString());
    }

    /** A valid call: each operand padded by its leading dimension, after its offset, with a tail of guards. */
    static PropertyCall valid(Storage storage, boolean f32, Layout layout, Transpose transA, Transpose transB,
                              int m, int n, int k, int[] pad, int[] offset, double alpha, double beta, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        PropertyCall call = new PropertyCall();
        call.storage = storage;
        call.f32 = f32;
        call.layout = layout;
        call.transA = transA;
        call.transB = transB;
        call.m = m;
        call.n = n;
        call.k = k;
        call.alpha = alpha;
        call.beta = beta;
        call.lda = Reference.ld(layout, transA, m, k, pad[0]);
        call.ldb = Reference.ld(layout, transB, k, n, pad[1]);
        call.ldc = Reference.ld(layout, Transpose.NO_TRANS, m, n, pad[2]);
        call.a = operand(random, offset[0], Reference.reach(layout, transA, m, k, (int) call.lda));
        call.b = operand(random, offset[1], Reference.reach(layout, transB, k, n, (int) call.ldb));
        call.c = operand(random, offset[2], Reference.reach(layout, Transpose.NO_TRANS, m, n, (int) call.ldc));
        if (f32) {
            call.roundInputsToFloat();
        }
        return call;
    }

    private static Operand operand(SplittableRandom random, int offset, int reach) {
        return new Operand(Reference.random(random, offset + reach + TAIL), offset, reach);
    }
}
