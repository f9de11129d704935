package io.github.matmulffm.parity;

import io.github.matmulffm.Layout;
import io.github.matmulffm.Matmul;
import io.github.matmulffm.Transpose;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * parity/cases.csv from the Java side: the Java naive loop and the kernel's naive loop
 * (through FFM) reproduce every checksum bit for bit, and the optimised kernel in this
 * JVM (the CPU's best path) agrees with the naive result on every case.
 */
class ParityTest {
    private static final List<ParityCase> CASES = ParityCase.readAll();

    @Test
    void generatorConstantsMatchRust() {
        assertEquals(0xe220a8397b1dcdafL, new SplitMix64(0).nextLong());
        assertEquals(Checksum.OFFSET_BASIS, Checksum.of(new double[0], 0, 0));
        assertEquals(Checksum.of(new double[]{Double.NaN}, 0, 1),
                Checksum.of(new double[]{Double.longBitsToDouble(0xfff0000000000001L)}, 0, 1), "every NaN counts the same");
    }

    @Test
    void caseFileCoversTheGrid() {
        assertTrue(CASES.size() >= 300, CASES.size() + " cases");
        Set<String> seen = new TreeSet<>();
        for (ParityCase p : CASES) {
            seen.add(p.f32() ? "f32" : "f64");
            seen.add(p.layout().name());
            seen.add(p.transA() + "/" + p.transB());
            seen.add("alpha=" + p.alpha() + ",beta=" + p.beta());
            seen.add("padA=" + p.padA());
            seen.add("padC=" + p.padC());
            seen.add(p.special());
            seen.add("m%8=" + p.m() % 8 + ",n%48=" + p.n() % 48);
        }
        for (String want : List.of("f32", "f64", "ROW_MAJOR", "COL_MAJOR", "nan_a", "inf_a", "nan_b", "neg_inf_b", "nan_c", "inf_c")) {
            assertTrue(seen.contains(want), want);
        }
        for (Transpose ta : Transpose.values()) {
            for (Transpose tb : Transpose.values()) {
                assertTrue(seen.contains(ta + "/" + tb), ta + "/" + tb);
            }
        }
        for (double alpha : new double[]{0, 1, -1.5, 0.7}) {
            for (double beta : new double[]{0, 1, -1.5, 0.7}) {
                assertTrue(seen.contains("alpha=" + alpha + ",beta=" + beta), alpha + ", " + beta);
            }
        }
        for (int pad = 0; pad <= 5; pad++) {
            assertTrue(seen.contains("padA=" + pad) && seen.contains("padC=" + pad), "padding " + pad);
        }
        assertTrue(CASES.stream().anyMatch(p -> p.m() == 0) && CASES.stream().anyMatch(p -> p.k() == 0)
                && CASES.stream().anyMatch(p -> p.m() >= 300 && p.n() >= 300 && p.k() >= 300), "sizes 0 to 300");
    }

    @Test
    void javaNaiveReproducesEveryChecksum() {
        List<String> wrong = new ArrayList<>();
        for (ParityCase p : CASES) {
            long got = NaiveGemm.checksum(p);
            if (got != p.checksum()) {
                wrong.add(p + ": Java naive checksum " + Checksum.hex(got) + ", file says " + Checksum.hex(p.checksum()));
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + CASES.size() + " cases disagree with parity/cases.csv:\n"
                + String.join("\n", wrong));
    }

    /** mm_dgemm_naive through the binding: the same bits as Rust's own test and Java's loop. */
    @Test
    void kernelNaiveThroughFfmReproducesEveryF64Checksum() {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (ParityCase p : CASES) {
            if (p.f32()) {
                continue;
            }
            ParityCase.Inputs x = p.inputs();
            double[] c = x.c().clone();
            Matmul.dgemmNaive(p.layout(), p.transA(), p.transB(), p.m(), p.n(), p.k(), p.alpha(), x.a(), 0,
                    p.storedA().ld(), x.b(), 0, p.storedB().ld(), p.beta(), c, 0, p.storedC().ld());
            long got = Checksum.of(c, 0, c.length);
            checked++;
            if (got != p.checksum()) {
                wrong.add(p + ": mm_dgemm_naive checksum " + Checksum.hex(got) + ", file says " + Checksum.hex(p.checksum()));
            }
        }
        assertTrue(checked > 100, checked + " f64 cases");
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void optimisedKernelMatchesTheNaiveResultOnEveryCase() {
        List<String> failures = KernelParityCheck.run(CASES);
        assertTrue(failures.isEmpty(), "kernel " + Matmul.info().kernel() + ": " + failures.size() + " failures:\n"
                + String.join("\n", failures));
    }

    @Test
    void aBrokenResultIsCaught() {
        ParityCase p = CASES.stream().filter(c -> c.m() > 2 && c.n() > 2 && c.k() > 2 && c.alpha() != 0
                && c.special().equals("none") && c.layout() == Layout.ROW_MAJOR).findFirst().orElseThrow();
        ParityCase.Inputs x = p.inputs();
        double[] want = NaiveGemm.result(p, x);
        double[] got = new double[want.length + 2 * KernelParityCheck.GUARD];
        java.util.Arrays.fill(got, KernelParityCheck.SENTINEL);
        System.arraycopy(want, 0, got, KernelParityCheck.GUARD, want.length);
        assertEquals(null, KernelParityCheck.compare(p, x, want, got), "the naive result passes");
        got[KernelParityCheck.GUARD + p.storedC().at(1, 1)] += 1e-6;
        assertTrue(KernelParityCheck.compare(p, x, want, got).contains("C(1,1)"));
        got[KernelParityCheck.GUARD + p.storedC().at(1, 1)] = want[p.storedC().at(1, 1)];
        got[got.length - 1] = 0;
        assertTrue(KernelParityCheck.compare(p, x, want, got).contains("outside the m x n window"));
    }
}
