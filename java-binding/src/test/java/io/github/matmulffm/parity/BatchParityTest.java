package io.github.matmulffm.parity;

import io.github.matmulffm.Matmul;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * parity/batches.csv from the Java side: the Java naive loop reproduces every checksum
 * bit for bit, and {@code Matmul.dgemmBatch} / {@code sgemmBatch} (over arrays and over
 * off-heap segments) agree with it on every product within the gauge, leaving the gaps
 * between C's matrices as they were.
 */
class BatchParityTest {
    private static final List<BatchParityCase> CASES = BatchParityCase.readAll();

    @Test
    void naiveChecksumsMatchTheBatchFile() {
        assertTrue(CASES.size() >= 20, CASES.size() + " batch cases");
        List<String> wrong = new ArrayList<>();
        for (BatchParityCase c : CASES) {
            long got = c.naiveChecksum();
            if (got != c.checksum()) {
                wrong.add(c.product().name() + ": Java naive " + Checksum.hex(got) + ", file " + Checksum.hex(c.checksum()));
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void batchesMatchTheNaiveResultOnEveryProduct() {
        List<String> failures = new ArrayList<>();
        for (BatchParityCase c : CASES) {
            ParityCase.Inputs x = c.inputs();
            double[] want = c.naive(x);
            for (boolean offHeap : new boolean[]{false, true}) {
                String failure = compare(c, x, want, call(c, x, offHeap));
                if (failure != null) {
                    failures.add(c.product().name() + (offHeap ? " off-heap: " : " arrays: ") + failure);
                }
            }
        }
        assertEquals(List.of(), failures);
    }

    /** C's span after the batch call, in double (f32 results widened exactly). */
    private static double[] call(BatchParityCase c, ParityCase.Inputs x, boolean offHeap) {
        ParityCase p = c.product();
        int lda = p.storedA().ld(), ldb = p.storedB().ld(), ldc = p.storedC().ld();
        if (!p.f32()) {
            double[] out = x.c().clone();
            if (!offHeap) {
                Matmul.dgemmBatch(p.layout(), p.transA(), p.transB(), p.m(), p.n(), p.k(), p.alpha(), x.a(), 0, lda, c.strideA(),
                        x.b(), 0, ldb, c.strideB(), p.beta(), out, 0, ldc, c.strideC(), c.count());
                return out;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment a = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, x.a());
                MemorySegment b = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, x.b());
                MemorySegment cs = arena.allocateFrom(ValueLayout.JAVA_DOUBLE, out);
                Matmul.dgemmBatch(p.layout(), p.transA(), p.transB(), p.m(), p.n(), p.k(), p.alpha(), a, lda, c.strideA(),
                        b, ldb, c.strideB(), p.beta(), cs, ldc, c.strideC(), c.count());
                return cs.toArray(ValueLayout.JAVA_DOUBLE);
            }
        }
        float[] a = ParityCase.toFloat(x.a()), b = ParityCase.toFloat(x.b()), out = ParityCase.toFloat(x.c());
        if (!offHeap) {
            Matmul.sgemmBatch(p.layout(), p.transA(), p.transB(), p.m(), p.n(), p.k(), (float) p.alpha(), a, 0, lda, c.strideA(),
                    b, 0, ldb, c.strideB(), (float) p.beta(), out, 0, ldc, c.strideC(), c.count());
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment as = arena.allocateFrom(ValueLayout.JAVA_FLOAT, a);
                MemorySegment bs = arena.allocateFrom(ValueLayout.JAVA_FLOAT, b);
                MemorySegment cs = arena.allocateFrom(ValueLayout.JAVA_FLOAT, out);
                Matmul.sgemmBatch(p.layout(), p.transA(), p.transB(), p.m(), p.n(), p.k(), (float) p.alpha(), as, lda, c.strideA(),
                        bs, ldb, c.strideB(), (float) p.beta(), cs, ldc, c.strideC(), c.count());
                out = cs.toArray(ValueLayout.JAVA_FLOAT);
            }
        }
        double[] wide = new double[out.length];
        for (int i = 0; i < out.length; i++) {
            wide[i] = out[i];
        }
        return wide;
    }

    /** Each product through the single-case gauge; then the gaps, bit for bit. */
    private static String compare(BatchParityCase c, ParityCase.Inputs x, double[] want, double[] got) {
        ParityCase p = c.product();
        int reach = p.storedC().length();
        boolean[] covered = new boolean[got.length];
        for (int i = 0; i < c.count() && reach > 0; i++) {
            int at = i * c.strideC();
            double[] guarded = new double[reach + 2 * KernelParityCheck.GUARD];
            Arrays.fill(guarded, KernelParityCheck.SENTINEL);
            System.arraycopy(got, at, guarded, KernelParityCheck.GUARD, reach);
            String failure = KernelParityCheck.compare(p, c.item(x, i), Arrays.copyOfRange(want, at, at + reach), guarded);
            if (failure != null) {
                return "product " + i + ": " + failure;
            }
            Arrays.fill(covered, at, at + reach, true);
        }
        for (int idx = 0; idx < got.length; idx++) {
            double before = p.f32() ? (float) x.c()[idx] : x.c()[idx];
            if (!covered[idx] && Double.compare(got[idx], before) != 0) {
                return "gap element " + idx + " of C's span changed from " + before + " to " + got[idx];
            }
        }
        return null;
    }
}
