package io.github.matmulffm;

import io.github.matmulffm.PropertyCall.Storage;
import io.github.matmulffm.parity.SplitMix64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A random valid call with one field broken: always the documented exception, with a
 * message naming what is wrong, and not one element of any buffer (guards included)
 * written. A crash would take the JVM down; BadInputForkedTest runs this class in a
 * child JVM so that shows as a failed test, not a vanished runner.
 */
class InvalidArgumentPropertyTest {

    enum Fault {
        NULL_A(NullPointerException.class, "a"),
        NULL_B(NullPointerException.class, "b"),
        NULL_C(NullPointerException.class, "c"),
        NULL_LAYOUT(NullPointerException.class, "layout"),
        NULL_TRANS_A(NullPointerException.class, "transA"),
        NULL_TRANS_B(NullPointerException.class, "transB"),
        NEGATIVE_M(IllegalArgumentException.class, "m must be >= 0"),
        NEGATIVE_N(IllegalArgumentException.class, "n must be >= 0"),
        NEGATIVE_K(IllegalArgumentException.class, "k must be >= 0"),
        LDA_TOO_SMALL(IllegalArgumentException.class, "lda must be >="),
        LDB_TOO_SMALL(IllegalArgumentException.class, "ldb must be >="),
        LDC_TOO_SMALL(IllegalArgumentException.class, "ldc must be >="),
        A_ONE_SHORT(IndexOutOfBoundsException.class, "a is too"),
        B_ONE_SHORT(IndexOutOfBoundsException.class, "b is too"),
        C_ONE_SHORT(IndexOutOfBoundsException.class, "c is too"),
        A_OFFSET_NEGATIVE(IndexOutOfBoundsException.class, "aOffset"),
        B_OFFSET_PAST_END(IndexOutOfBoundsException.class, "bOffset"),
        C_OFFSET_PAST_END(IndexOutOfBoundsException.class, "cOffset"),
        SIZE_OVERFLOW(IllegalArgumentException.class, "overflow"),
        C_OVERLAPS_A(IllegalArgumentException.class, "c overlaps a"),
        C_READ_ONLY(IllegalArgumentException.class, "read-only"),
        A_ARENA_CLOSED(IllegalStateException.class, "closed");

        final Class<? extends RuntimeException> exception;
        final String message;

        Fault(Class<? extends RuntimeException> exception, String message) {
            this.exception = exception;
            this.message = message;
        }

        boolean appliesTo(Storage storage) {
            return switch (this) {
                case A_OFFSET_NEGATIVE, B_OFFSET_PAST_END, C_OFFSET_PAST_END -> storage == Storage.ARRAY;
                case C_READ_ONLY -> storage != Storage.ARRAY;
                case A_ARENA_CLOSED -> storage == Storage.NATIVE_SEGMENT;
                default -> true;
            };
        }
    }

    static LongStream seeds() {
        return GemmPropertyTest.seeds(0xBAD_1A9L);
    }

    /** 400 cases, each drawn from its seed (shown in the case's name); the storage is redrawn until the fault applies. */
    @ParameterizedTest(name = "seed={0}")
    @MethodSource("seeds")
    void oneBrokenFieldGetsItsExceptionAndWritesNothing(long caseSeed) {
        SplitMix64 random = new SplitMix64(caseSeed);
        Fault fault = random.pick(Fault.values());
        Storage storage = random.pick(Storage.values());
        while (!fault.appliesTo(storage)) {
            storage = random.pick(Storage.values());
        }
        boolean f32 = random.nextBoolean();
        Layout layout = random.pick(Layout.values());
        Transpose transA = random.pick(Transpose.values());
        Transpose transB = random.pick(Transpose.values());
        int m = random.between(1, 12), n = random.between(1, 12), k = random.between(1, 12);
        int pad = random.between(0, 3), offset = random.between(0, 3), amount = random.between(1, 1000);
        long seed = random.nextLong();
        PropertyCall call = GemmPropertyTest.valid(storage, f32, layout, transA, transB, m, n, k, new int[]{pad, pad, pad},
                new int[]{offset, offset, offset}, 1.5, 0.5, seed);
        breakIt(call, fault, amount);
        PropertyCall before = call.copy();
        RuntimeException thrown = assertThrows(fault.exception, call::invoke, fault + ": " + before);
        assertTrue(thrown.getMessage() != null && thrown.getMessage().contains(fault.message),
                fault + ": message \"" + thrown.getMessage() + "\" should contain \"" + fault.message + "\"; " + before);
        if (fault != Fault.A_ARENA_CLOSED) {
            assertArrayEquals(before.a.data, call.a.data, fault + ": A written: " + before);
        }
        assertArrayEquals(before.b.data, call.b.data, fault + ": B written: " + before);
        assertArrayEquals(before.c.data, call.c.data, fault + ": C written: " + before);
    }

    private static void breakIt(PropertyCall call, Fault fault, int amount) {
        switch (fault) {
            case NULL_A -> call.a.isNull = true;
            case NULL_B -> call.b.isNull = true;
            case NULL_C -> call.c.isNull = true;
            case NULL_LAYOUT -> call.layout = null;
            case NULL_TRANS_A -> call.transA = null;
            case NULL_TRANS_B -> call.transB = null;
            case NEGATIVE_M -> call.m = -amount;
            case NEGATIVE_N -> call.n = -amount;
            case NEGATIVE_K -> call.k = -amount;
            case LDA_TOO_SMALL -> call.lda = minimum(call.layout, call.transA, call.m, call.k) - 1 - amount % 2;
            case LDB_TOO_SMALL -> call.ldb = minimum(call.layout, call.transB, call.k, call.n) - 1 - amount % 2;
            case LDC_TOO_SMALL -> call.ldc = minimum(call.layout, Transpose.NO_TRANS, call.m, call.n) - 1 - amount % 2;
            case A_ONE_SHORT -> shorten(call, call.a);
            case B_ONE_SHORT -> shorten(call, call.b);
            case C_ONE_SHORT -> shorten(call, call.c);
            case A_OFFSET_NEGATIVE -> call.a.offset = -amount;
            case B_OFFSET_PAST_END -> call.b.offset = call.b.data.length + amount;
            case C_OFFSET_PAST_END -> call.c.offset = call.c.data.length + amount;
            case SIZE_OVERFLOW -> {
                // Each size fits an int, their product does not fit a long.
                call.m = call.n = call.k = Integer.MAX_VALUE;
                call.lda = call.ldb = call.ldc = Integer.MAX_VALUE;
            }
            case C_OVERLAPS_A -> {
                call.cOverlapsA = true;
                // C starts at A's first element, in A's own array or memory, which is
                // lengthened so that C's window fits: only the shared element is wrong.
                // (Disjoint views of one buffer are legal, so C must really share one.)
                call.c.offset = call.a.offset;
                call.a.data = Arrays.copyOf(call.a.data, Math.max(call.a.data.length, call.c.offset + call.c.length + 1));
            }
            case C_READ_ONLY -> call.cReadOnly = true;
            case A_ARENA_CLOSED -> call.aArenaClosed = true;
        }
    }

    private static long minimum(Layout layout, Transpose trans, long opRows, long opCols) {
        boolean t = trans == Transpose.TRANS;
        long rows = t ? opCols : opRows, cols = t ? opRows : opCols;
        return Math.max(1, layout == Layout.ROW_MAJOR ? cols : rows);
    }

    /** One element fewer than the description reaches: the array ends early, the segment is sliced short. */
    private static void shorten(PropertyCall call, PropertyCall.Operand o) {
        if (call.storage == Storage.ARRAY) {
            o.data = Arrays.copyOf(o.data, o.offset + o.length - 1);
        } else {
            o.length -= 1;
        }
    }
}
