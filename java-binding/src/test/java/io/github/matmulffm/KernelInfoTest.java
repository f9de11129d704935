package io.github.matmulffm;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelInfoTest {

    @Test
    void infoNamesVersionKernelAndSource() {
        KernelInfo info = Matmul.info();
        assertTrue(info.version().matches("\\d+\\.\\d+\\.\\d+"), info.version());
        assertTrue(java.util.Set.of("avx512", "avx2", "neon", "generic").contains(info.kernel()), info.kernel());
        assertTrue(info.threads() >= 1);
        // A private copy per class loader: libmatmul_kernel-<unique>.so.
        String name = java.nio.file.Path.of(info.libraryPath()).getFileName().toString();
        String expected = io.github.matmulffm.internal.Platform.current().libraryFileName();
        String stem = expected.substring(0, expected.lastIndexOf('.'));
        assertTrue(name.startsWith(stem) && name.endsWith(expected.substring(expected.lastIndexOf('.'))), info.libraryPath());
        assertTrue(info.poolThreads() >= 0 && info.poolThreads() < info.threads(), info.toString());
    }

    @Test
    void threadCountIsSetAndRestored() {
        try {
            Matmul.setThreads(3);
            assertEquals(3, Matmul.threads());
            assertEquals(3, Matmul.info().threads());
            double[][] c = Matmul.multiply(new double[][]{{1, 2}, {3, 4}}, new double[][]{{5, 6}, {7, 8}});
            assertArrayEquals(new double[]{43, 50}, c[1]);
        } finally {
            Matmul.resetThreads();
        }
        assertEquals(Runtime.getRuntime().availableProcessors(), Matmul.threads());
    }

    @Test
    void offHeapMatrixMultiplies() {
        try (OffHeapMatrix a = OffHeapMatrix.of(new double[][]{{1, 2}, {3, 4}});
             OffHeapMatrix b = OffHeapMatrix.of(new double[][]{{5, 6}, {7, 8}});
             OffHeapMatrix c = a.multiply(b)) {
            assertArrayEquals(new double[]{19, 22}, c.toArray()[0]);
            assertArrayEquals(new double[]{43, 50}, c.toArray()[1]);
            assertEquals(50, c.get(1, 1));
            c.set(0, 0, -1);
            assertEquals(-1, c.segment().get(java.lang.foreign.ValueLayout.JAVA_DOUBLE, 0));
            assertTrue(c.segment().isNative());
        }
    }
}
