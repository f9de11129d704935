package io.github.matmulffm.internal;

import io.github.matmulffm.NativeLibraryException;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;

/**
 * The glibc a Linux library needs, read from its ELF version requirements
 * ({@code .gnu.version_r}), against the glibc of this host. A library linked against a
 * newer glibc than the host's fails inside {@code dlopen} with a message about a missing
 * symbol version; the loader checks first and says which versions they are.
 */
public final class GlibcRequirement {

    private static final int SHT_GNU_VERNEED = 0x6ffffffe;

    private GlibcRequirement() {
    }

    /**
     * The newest {@code GLIBC_x.y} version that the ELF shared object requires, or empty when
     * the bytes are not a 64-bit little-endian ELF or carry no glibc version requirement.
     */
    public static Optional<String> newestRequired(byte[] elf) {
        try {
            return newest(ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN));
        } catch (RuntimeException e) {
            // A truncated or odd file (offsets past the end or past 2 GiB): dlopen will say what is wrong.
            return Optional.empty();
        }
    }

    private static Optional<String> newest(ByteBuffer elf) {
        if (elf.limit() < 64 || elf.getInt(0) != 0x464c457f || elf.get(4) != 2 || elf.get(5) != 1) {
            return Optional.empty(); // not ELF, or not ELFCLASS64 / ELFDATA2LSB
        }
        long sectionTable = elf.getLong(0x28);
        int entrySize = Short.toUnsignedInt(elf.getShort(0x3A));
        int sections = Short.toUnsignedInt(elf.getShort(0x3C));
        String newest = null;
        for (int s = 0; s < sections; s++) {
            int header = Math.toIntExact(sectionTable + (long) s * entrySize);
            if (elf.getInt(header + 4) != SHT_GNU_VERNEED) {
                continue;
            }
            int offset = Math.toIntExact(elf.getLong(header + 0x18));
            int strings = Math.toIntExact(elf.getLong(Math.toIntExact(sectionTable + (long) elf.getInt(header + 0x28) * entrySize) + 0x18));
            int needs = elf.getInt(header + 0x2C);
            int need = offset;
            for (int n = 0; n < needs; n++) {
                int auxCount = Short.toUnsignedInt(elf.getShort(need + 2));
                int aux = need + elf.getInt(need + 8);
                for (int a = 0; a < auxCount; a++) {
                    String name = cString(elf, strings + elf.getInt(aux + 8));
                    if (name.matches("GLIBC_[0-9]+(\\.[0-9]+)*")) {
                        String version = name.substring("GLIBC_".length());
                        if (newest == null || compare(version, newest) > 0) {
                            newest = version;
                        }
                    }
                    aux += elf.getInt(aux + 12);
                }
                need += elf.getInt(need + 12);
            }
        }
        return Optional.ofNullable(newest);
    }

    private static String cString(ByteBuffer buffer, int at) {
        int end = at;
        while (buffer.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - at];
        buffer.get(at, bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Compares dotted versions numerically: 2.28 < 2.34 < 2.100. */
    public static int compare(String a, String b) {
        int[] x = Arrays.stream(a.split("\\.")).mapToInt(Integer::parseInt).toArray();
        int[] y = Arrays.stream(b.split("\\.")).mapToInt(Integer::parseInt).toArray();
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int d = Integer.compare(i < x.length ? x[i] : 0, i < y.length ? y[i] : 0);
            if (d != 0) {
                return d;
            }
        }
        return 0;
    }

    /**
     * This process's glibc ({@code gnu_get_libc_version()}), or empty on another C library.
     *
     * @throws IllegalCallerException where native access is denied to this module
     */
    public static Optional<String> host() {
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> symbol = linker.defaultLookup().find("gnu_get_libc_version");
        if (symbol.isEmpty()) {
            return Optional.empty();
        }
        MethodHandle version = linker.downcallHandle(symbol.get(), FunctionDescriptor.of(ValueLayout.ADDRESS));
        try {
            return Optional.of(((MemorySegment) version.invokeExact()).reinterpret(64).getString(0).trim());
        } catch (Throwable e) {
            return Optional.empty();
        }
    }

    /**
     * Refuses a library that needs a newer glibc than {@code hostVersion}, or a glibc library
     * on a host without glibc (musl, for one).
     *
     * @throws NativeLibraryException naming both versions and what to do
     */
    public static void requireCompatible(byte[] library, String source, Optional<String> hostVersion) {
        Optional<String> required = newestRequired(library);
        if (required.isEmpty()) {
            return;
        }
        if (hostVersion.isEmpty()) {
            throw new NativeLibraryException("the matmul-ffm native library " + source + " is built for glibc (it needs GLIBC_"
                    + required.get() + "), and this host's C library is not glibc (musl?). Build rust-kernel on this host"
                    + " (cargo build --release) and pass -D" + NativeLoader.LIBRARY_PATH_PROPERTY + "=/path/to/libmatmul_kernel.so");
        }
        if (compare(required.get(), hostVersion.get()) > 0) {
            throw new NativeLibraryException("the matmul-ffm native library " + source + " needs glibc " + required.get()
                    + " or newer (symbol version GLIBC_" + required.get() + "), and this host has glibc " + hostVersion.get()
                    + ". The released jar needs glibc 2.28 at most; a jar built on a newer system needs that system's glibc."
                    + " Use the released jar, or build rust-kernel on this host (cargo build --release) and pass -D"
                    + NativeLoader.LIBRARY_PATH_PROPERTY + "=/path/to/libmatmul_kernel.so");
        }
    }
}
