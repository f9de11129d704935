package io.github.matmulffm;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@link Soak} in its own JVM, with a fixed, pre-touched heap so resident memory
 * reflects native memory and not heap growth. 10 s in `make test`; `make soak` passes
 * -Dmatmul.soak.seconds=60.
 */
class SoakTest {

    @Test
    void sixteenThreadsMixedSizesHeapAndOffHeapEveryResultCheckedNoLeakNoDeadlock() throws Exception {
        long seconds = Long.getLong("matmul.soak.seconds", 10);
        ChildJvm.Result result = ChildJvm.run(Soak.class, Map.of(),
                List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch"), 3 * seconds + 180, String.valueOf(seconds));
        String summary = result.output().lines().filter(l -> l.startsWith("soak:")).reduce("", (x, y) -> x + y + "\n");
        System.out.print(summary);
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(summary.contains("failures=0"), result.output());
    }
}
