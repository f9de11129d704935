package io.github.matmulffm;

import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

/**
 * The bad-input suite (BadInputTest, InvalidArgumentPropertyTest, the double[][] checks of
 * MultiplyTest) once more, in a child JVM that must exit normally: a crash in native code
 * there is a failed test with the child's output, not a test runner that vanished.
 */
class BadInputForkedTest {

    @Test
    void badInputSuiteRunsInAForkedJvmThatExitsNormally() throws Exception {
        ChildJvm.Result result = ChildJvm.run(Main.class, Map.of(), List.of(), 300);
        assertEquals(0, result.exitCode(), "the forked JVM must exit 0 (134 or 139 would be a crash):\n" + result.output());
        String summary = result.output().lines().filter(l -> l.startsWith("bad-input suite:")).findFirst().orElse("");
        assertTrue(summary.matches("bad-input suite: \\d+ tests, \\d+ succeeded, 0 failed"), result.output());
        assertTrue(Long.parseLong(summary.replaceAll("bad-input suite: (\\d+) tests.*", "$1")) >= 10, summary);
    }

    /** Runs the suite with the JUnit Platform launcher; exits 0 only if every test succeeded. */
    public static final class Main {
        private Main() {
        }

        public static void main(String[] args) {
            LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                    .selectors(selectClass(BadInputTest.class), selectClass(InvalidArgumentPropertyTest.class),
                            selectMethod(MultiplyTest.class, "referenceMessagesForBadMatrices"))
                    .build();
            Launcher launcher = LauncherFactory.create();
            SummaryGeneratingListener listener = new SummaryGeneratingListener();
            launcher.execute(request, listener);
            TestExecutionSummary summary = listener.getSummary();
            summary.printFailuresTo(new PrintWriter(System.out, true), 20);
            long failed = summary.getTotalFailureCount();
            System.out.println("bad-input suite: " + summary.getTestsFoundCount() + " tests, "
                    + summary.getTestsSucceededCount() + " succeeded, " + failed + " failed");
            System.exit(failed == 0 && summary.getTestsSucceededCount() == summary.getTestsFoundCount() ? 0 : 1);
        }
    }
}
