package io.github.matmulffm.parity;

/**
 * FNV-1a over 64-bit words in index order (float bits zero-extended), as in
 * rust-kernel/tests/parity/mod.rs. Every NaN counts as one pattern: IEEE fixes when a
 * result is NaN but not which NaN, and the JVM does not promise to keep payloads.
 */
final class Checksum {
    static final long OFFSET_BASIS = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;

    private Checksum() {
    }

    static long of(double[] values, int from, int length) {
        long h = OFFSET_BASIS;
        for (int i = from; i < from + length; i++) {
            long bits = Double.isNaN(values[i]) ? 0x7ff8000000000000L : Double.doubleToRawLongBits(values[i]);
            h = (h ^ bits) * PRIME;
        }
        return h;
    }

    static long of(float[] values, int from, int length) {
        long h = OFFSET_BASIS;
        for (int i = from; i < from + length; i++) {
            long bits = Float.isNaN(values[i]) ? 0x7fc00000L : Integer.toUnsignedLong(Float.floatToRawIntBits(values[i]));
            h = (h ^ bits) * PRIME;
        }
        return h;
    }

    static String hex(long checksum) {
        return String.format("%016x", checksum);
    }
}
