package io.github.matmulffm;

import io.github.matmulffm.PropertyCall.Operand;
import io.github.matmulffm.PropertyCall.Storage;
import io.github.matmulffm.parity.SplitMix64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Random valid products (shapes, paddings, offsets, layouts, transposes, scalars, storage,
 * precision) against the pure-Java reference: C's window within the gauge, every other
 * element of C's buffer and all of A's and B's unchanged. Each of the 400 cases is drawn
 * from its own SplitMix64 seed, which the case's name shows: a failure names the seed
 * that reproduces it ({@code -Dmatmul.property.seed=N} reruns that seed first).
 */
class GemmPropertyTest {
    /** Elements after each operand's reach, which no call may touch. */
    static final int TAIL = 3;
    static final int CASES = 400;

    /** The cases' seeds: a fixed series, so a run is reproducible, led by an optional chosen one. */
    static LongStream seeds(long base) {
        LongStream series = LongStream.range(0, CASES).map(i -> base + 0x9E3779B97F4A7C15L * i);
        Long chosen = Long.getLong("matmul.property.seed");
        return chosen == null ? series : LongStream.concat(LongStream.of(chosen), series);
    }

    static LongStream seeds() {
        return seeds(0x5EED_6E33L);
    }

    private static final double[] SPECIAL_SCALARS = {0.0, 1.0, -1.5, 0.7};

    static double scalar(SplitMix64 random) {
        return random.nextBoolean() ? SPECIAL_SCALARS[random.nextInt(SPECIAL_SCALARS.length)] : 2 * random.unit();
    }

    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void matchesTheReference(long caseSeed) {
        SplitMix64 random = new SplitMix64(caseSeed);
        Storage storage = random.pick(Storage.values());
        boolean f32 = random.nextBoolean();
        Layout layout = random.pick(Layout.values());
        Transpose transA = random.pick(Transpose.values());
        Transpose transB = random.pick(Transpose.values());
        int m = random.between(0, 40), n = random.between(0, 40), k = random.between(0, 40);
        int padA = random.between(0, 5), padB = random.between(0, 5), padC = random.between(0, 5);
        int offA = random.between(0, 5), offB = random.between(0, 5), offC = random.between(0, 5);
        double alpha = scalar(random), beta = scalar(random);
        long seed = random.nextLong();
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
