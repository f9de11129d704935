package io.github.matmulffm.examples.recommender;

/** The project's seeded generator (Steele, Lea and Flood's SplitMix64), so data is the same on every run. */
public final class SplitMix64 {
    private long state;

    public SplitMix64(long seed) {
        state = seed;
    }

    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [-1, 1). */
    public double nextSigned() {
        return (nextLong() >>> 11) * 0x1.0p-53 * 2 - 1;
    }

    /** Uniform in [0, bound). */
    public int nextInt(int bound) {
        return (int) Math.floorMod(nextLong(), (long) bound);
    }
}
