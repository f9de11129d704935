package io.github.matmulffm;

import io.github.matmulffm.internal.OwnedMemory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An OffHeapMatrix's memory: refused when its size overflows, freed by close() or by the collector, never freed under a multiply. */
class OffHeapMatrixLifecycleTest {

    @Test
    void sizesWhoseByteCountOverflowAreRefused() {
        // rows * cols * 8 wraps past 2^64 to a small number at 879cbec.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OffHeapMatrix.allocate(1073764994, 2147437309));
        assertTrue(e.getMessage().contains("1073764994") && e.getMessage().contains("2147437309"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OffHeapMatrix.allocate(-1, 4));
    }

    @Test
    void closeFreesAtOnceAndTwiceIsFine() {
        long before = OwnedMemory.heldBytes();
        OffHeapMatrix matrix = OffHeapMatrix.allocate(512, 512);
        assertEquals(before + 512 * 512 * 8L, OwnedMemory.heldBytes());
        matrix.close();
        assertEquals(before, OwnedMemory.heldBytes());
        matrix.close();
        assertThrows(IllegalStateException.class, () -> matrix.get(0, 0));
    }

    /**
     * close() from another thread while a multiply runs on the matrix: refused with an
     * IllegalStateException (the multiply finishes and is right), and the JVM lives.
     */
    @Test
    void closeDuringAMultiplyIsRefused() throws Exception {
        int n = 1200;
        try (OffHeapMatrix a = OffHeapMatrix.allocate(n, n); OffHeapMatrix b = OffHeapMatrix.allocate(n, n);
             OffHeapMatrix c = OffHeapMatrix.allocate(n, n)) {
            for (int i = 0; i < n; i++) {
                a.set(i, i, 2.0);
                b.set(i, (i + 1) % n, 3.0);
            }
            int refused = 0;
            for (int attempt = 0; attempt < 5 && refused == 0; attempt++) {
                CountDownLatch started = new CountDownLatch(1);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread multiply = Thread.ofPlatform().start(() -> {
                    started.countDown();
                    try {
                        for (int r = 0; r < 3; r++) {
                            Matmul.multiply(a, b, c);
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                });
                started.await();
                Thread.sleep(5);
                try {
                    c.close();
                } catch (IllegalStateException e) {
                    assertTrue(e.getMessage().contains("while a multiply is using it"), e.getMessage());
                    refused++;
                }
                multiply.join();
                if (refused > 0) {
                    assertEquals(null, failure.get());
                    assertEquals(6.0, c.get(0, 1));
                    assertEquals(0.0, c.get(0, 0));
                } else {
                    // The close came between two calls: the next one says the matrix is closed.
                    assertTrue(failure.get() instanceof IllegalStateException, String.valueOf(failure.get()));
                    return;
                }
            }
            assertTrue(refused > 0);
        }
    }

    /**
     * 200 dropped 8 MB matrices under -Xmx256m, never closed, in a child JVM: the collector
     * frees them (at 879cbec the process grew by 1.6 GB).
     */
    @Test
    void droppedMatricesAreFreed() throws Exception {
        ChildJvm.Result result = ChildJvm.run(DropMatrices.class, Map.of(), List.of("-Xmx256m"), 120, "200", "1024");
        assertEquals(0, result.exitCode(), result.output());
        String line = result.output().lines().filter(l -> l.startsWith("dropped:")).findFirst().orElseThrow(
                () -> new AssertionError(result.output()));
        long grownMiB = Long.parseLong(line.replaceAll(".*grown_mib=(-?\\d+).*", "$1"));
        assertTrue(grownMiB < 600, "resident memory grew by " + grownMiB + " MiB for 1600 MiB dropped: " + line);
    }

    /** Child JVM: allocate and drop count matrices of n x n doubles, touching each; print RSS growth. */
    public static final class DropMatrices {
        public static void main(String[] args) throws Exception {
            int count = Integer.parseInt(args[0]);
            int n = Integer.parseInt(args[1]);
            long start = ProcessStats.residentKiB();
            for (int i = 0; i < count; i++) {
                OffHeapMatrix matrix = OffHeapMatrix.allocate(n, n);
                for (int row = 0; row < n; row += 8) {
                    matrix.set(row, row, i);
                }
                matrix.segment().fill((byte) 1);
            }
            long grown = (ProcessStats.residentKiB() - start) / 1024;
            System.out.println("dropped: count=" + count + " mib_each=" + (n * (long) n * 8 >> 20) + " grown_mib=" + grown
                    + " held_mib=" + (OwnedMemory.heldBytes() >> 20));
        }
    }
}
