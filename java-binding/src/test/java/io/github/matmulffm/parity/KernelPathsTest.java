package io.github.matmulffm.parity;

import io.github.matmulffm.ChildJvm;
import io.github.matmulffm.Matmul;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parity check of {@link ParityTest} on the kernel paths this JVM did not choose: the
 * kernel reads MATMUL_KERNEL once per process, so each path runs in a child JVM. A path
 * the CPU lacks falls back to the best one below it (the kernel's rule), which the child
 * reports.
 */
class KernelPathsTest {
    /** This architecture's paths, slowest first. */
    private static final List<String> ORDER = System.getProperty("os.arch").matches("aarch64|arm64")
            ? List.of("generic", "neon") : List.of("generic", "avx2", "avx512");

    @Test
    void everyKernelPathMatchesTheNaiveResultOnEveryCase() throws Exception {
        String own = Matmul.info().kernel();
        TreeSet<String> covered = new TreeSet<>(List.of(own));
        for (String requested : ORDER) {
            if (requested.equals(own)) {
                continue;
            }
            ChildJvm.Result result = ChildJvm.run(KernelParityCheck.class, Map.of("MATMUL_KERNEL", requested), List.of(), 300);
            assertEquals(0, result.exitCode(), "MATMUL_KERNEL=" + requested + ":\n" + result.output());
            String ran = result.output().replaceAll("(?s).*kernel=(\\w+) .*", "$1");
            assertTrue(ORDER.indexOf(ran) >= 0 && ORDER.indexOf(ran) <= ORDER.indexOf(requested),
                    "MATMUL_KERNEL=" + requested + " ran " + ran + ":\n" + result.output());
            assertTrue(result.output().contains("failures=0"), result.output());
            covered.add(ran);
        }
        assertTrue(covered.contains("generic"), "the portable path always runs: " + covered);
        System.out.println("parity: kernel paths covered " + covered);
    }
}
