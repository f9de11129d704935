package io.github.matmulffm;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each entry point as the very first call of a fresh JVM: the library must be loaded
 * before any handle is resolved, whichever call comes first. (It once was not: a process
 * whose first call was dgemm failed in a class initialiser and stayed broken.)
 */
class FirstCallTest {
    private static final List<String> ENTRIES = List.of("dgemm-array", "sgemm-segment", "dgemmNaive-array", "multiply", "setThreads");

    @Test
    void everyEntryPointWorksAsTheFirstCallOfAProcess() throws Exception {
        for (String entry : ENTRIES) {
            ChildJvm.Result result = ChildJvm.run(Main.class, Map.of(), List.of(), 60, entry);
            assertEquals(0, result.exitCode(), entry + ":\n" + result.output());
            assertTrue(result.output().contains(entry + " [19.0, 22.0, 43.0, 50.0]"), entry + ":\n" + result.output());
        }
    }

    /**
     * A host whose default locale lower-cases "I" to a dotless "ı" (Turkish): symbol names
     * and messages built with the default locale would name no symbol of the kernel.
     */
    @Test
    void loadsAndMultipliesUnderATurkishLocale() throws Exception {
        for (String entry : List.of("dgemmNaive-array", "dgemm-array")) {
            ChildJvm.Result result = ChildJvm.run(Main.class, Map.of(), List.of("-Duser.language=tr", "-Duser.country=TR"), 60,
                    entry);
            assertEquals(0, result.exitCode(), entry + ":\n" + result.output());
            assertTrue(result.output().contains(entry + " [19.0, 22.0, 43.0, 50.0]"), entry + ":\n" + result.output());
        }
    }

    public static final class Main {
        private Main() {
        }

        public static void main(String[] args) {
            double[] a = {1, 2, 3, 4}, b = {5, 6, 7, 8}, c = new double[4];
            Layout row = Layout.ROW_MAJOR;
            Transpose no = Transpose.NO_TRANS;
            switch (args[0]) {
                case "dgemm-array" -> Matmul.dgemm(row, no, no, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2);
                case "dgemmNaive-array" -> Matmul.dgemmNaive(row, no, no, 2, 2, 2, 1, a, 0, 2, b, 0, 2, 0, c, 0, 2);
                case "sgemm-segment" -> {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment cs = arena.allocate(ValueLayout.JAVA_FLOAT, 4);
                        Matmul.sgemm(row, no, no, 2L, 2, 2, 1, arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1, 2, 3, 4), 2,
                                arena.allocateFrom(ValueLayout.JAVA_FLOAT, 5, 6, 7, 8), 2, 0, cs, 2);
                        for (int i = 0; i < 4; i++) c[i] = cs.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                    }
                }
                case "multiply" -> {
                    double[][] p = Matmul.multiply(new double[][]{{1, 2}, {3, 4}}, new double[][]{{5, 6}, {7, 8}});
                    c = new double[]{p[0][0], p[0][1], p[1][0], p[1][1]};
                }
                case "setThreads" -> {
                    Matmul.setThreads(1);
                    Matmul.dgemm(row, no, no, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2);
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
            System.out.println(args[0] + " " + Arrays.toString(c));
        }
    }
}
