package io.github.matmulffm.internal;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScratchBuffersTest {

    @Test
    void carvedSegmentsAreAlignedAndDisjoint() {
        long bytes = ScratchBuffers.bytesFor(8, 100, 24);
        assertEquals(64 + 128 + 64, bytes);
        try (ScratchBuffers.Scratch scratch = ScratchBuffers.acquire(bytes)) {
            MemorySegment first = scratch.next(8);
            MemorySegment second = scratch.next(100);
            MemorySegment third = scratch.next(24);
            for (MemorySegment segment : new MemorySegment[]{first, second, third}) {
                assertEquals(0, segment.address() % 64, "64-byte aligned");
                assertTrue(segment.isNative());
            }
            assertTrue(first.asOverlappingSlice(second).isEmpty());
            assertTrue(second.asOverlappingSlice(third).isEmpty());
            assertEquals(100, second.byteSize());
        }
    }

    @Test
    void aReleasedBufferIsReusedAndHeapCopiesCarryTheData() {
        long firstAddress;
        try (ScratchBuffers.Scratch scratch = ScratchBuffers.acquire(4096)) {
            firstAddress = scratch.next(4096).address();
        }
        try (ScratchBuffers.Scratch scratch = ScratchBuffers.acquire(2048)) {
            assertEquals(firstAddress, scratch.next(2048).address(), "the pooled buffer comes back");
            double[] values = {1.5, -2, 3};
            MemorySegment copy = scratch.offHeapCopy(MemorySegment.ofArray(values));
            assertTrue(copy.isNative());
            assertEquals(-2, copy.getAtIndex(ValueLayout.JAVA_DOUBLE, 1));
            MemorySegment alreadyNative = copy;
            assertEquals(alreadyNative, scratch.offHeapCopy(alreadyNative), "off-heap segments are not copied");
        }
    }

    @Test
    void buffersHeldAtOnceAreDistinct() {
        try (ScratchBuffers.Scratch one = ScratchBuffers.acquire(1024);
             ScratchBuffers.Scratch two = ScratchBuffers.acquire(1024)) {
            assertNotEquals(one.next(1024).address(), two.next(1024).address());
        }
    }

    @Test
    void requestsAbovePoolLimitGetTheirOwnMemoryFreedAtClose() {
        MemorySegment big;
        try (ScratchBuffers.Scratch scratch = ScratchBuffers.acquire(ScratchBuffers.MAX_POOLED_BYTES + 64)) {
            big = scratch.next(ScratchBuffers.MAX_POOLED_BYTES + 64);
            big.set(ValueLayout.JAVA_BYTE, big.byteSize() - 1, (byte) 7);
        }
        assertFalse(big.scope().isAlive(), "freed at close, not pooled");
        assertThrows(IllegalStateException.class, () -> big.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void thePoolHoldsNoMoreThanItsByteLimitWhateverIsAskedAtOnce() {
        // The largest poolable request (it drops every smaller free buffer, so with no other
        // call staging at the same time it is pooled and fills the pool), then more while it
        // is held: the second gets memory of its own, freed at close, and the total stays
        // bounded.
        MemorySegment second;
        try (ScratchBuffers.Scratch first = ScratchBuffers.acquire(ScratchBuffers.MAX_POOLED_BYTES);
             ScratchBuffers.Scratch more = ScratchBuffers.acquire(ScratchBuffers.MAX_POOLED_BYTES / 4)) {
            first.next(ScratchBuffers.MAX_POOLED_BYTES).set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
            assertEquals(ScratchBuffers.MAX_POOLED_BYTES, ScratchBuffers.pooledBytes(), "the first request fills the pool");
            second = more.next(ScratchBuffers.MAX_POOLED_BYTES / 4);
            assertTrue(ScratchBuffers.pooledBytes() <= ScratchBuffers.MAX_POOLED_BYTES, "pooled " + ScratchBuffers.pooledBytes());
        }
        assertFalse(second.scope().isAlive(), "the request past the byte limit was not pooled");
        assertTrue(ScratchBuffers.pooledBytes() <= ScratchBuffers.MAX_POOLED_BYTES);
        // The big buffer stays pooled and serves the next large request without a new allocation.
        try (ScratchBuffers.Scratch again = ScratchBuffers.acquire(ScratchBuffers.MAX_POOLED_BYTES / 2)) {
            assertTrue(again.next(ScratchBuffers.MAX_POOLED_BYTES / 2).scope().isAlive());
            assertEquals(ScratchBuffers.MAX_POOLED_BYTES, ScratchBuffers.pooledBytes(), "reused, not allocated again");
        }
    }
}
