package io.github.matmulffm.parity;

/**
 * The parity generator, the same as rust-kernel/tests/common's SplitMix64: the Rust and
 * Java tests build identical inputs from a case's seed.
 */
public final class SplitMix64 {
    private long state;

    public SplitMix64(long seed) {
        state = seed;
    }

    public long nextLong() {
        state += 0x9E3779B97F4A7C15L;
        long z = state;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [-1, 1): 53 random bits, every step exact, so both languages agree. */
    public double unit() {
        return (double) (nextLong() >>> 11) / 9007199254740992.0 * 2.0 - 1.0;
    }

    /** Uniform in [0, bound), bound > 0 (the property tests' draws; parity uses only unit()). */
    public int nextInt(int bound) {
        return (int) Math.floorMod(nextLong(), (long) bound);
    }

    /** Uniform in [low, high]. */
    public int between(int low, int high) {
        return low + nextInt(high - low + 1);
    }

    public boolean nextBoolean() {
        return nextLong() < 0;
    }

    public <T> T pick(T[] choices) {
        return choices[nextInt(choices.length)];
    }
}
