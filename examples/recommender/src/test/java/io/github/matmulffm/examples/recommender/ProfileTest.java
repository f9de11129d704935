package io.github.matmulffm.examples.recommender;

import io.github.matmulffm.examples.recommender.loadgen.Profile;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The profile step reads a real JFR recording: a thread that only spins is on top. */
class ProfileTest {
    @TempDir
    Path dir;

    static volatile long sink;

    static void spin(long nanos) {
        long end = System.nanoTime() + nanos, x = 1;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 10_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
        }
        sink = x;
    }

    @Test
    void theBusiestMethodIsOnTop() throws Exception {
        Path jfr = dir.resolve("spin.jfr");
        try (Recording r = new Recording()) {
            r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
            r.start();
            spin(1_500_000_000L);
            r.stop();
            r.dump(jfr);
        }
        List<Profile.Share> shares = Profile.topFrames(jfr);
        assertEquals("ProfileTest.spin", shares.getFirst().method(), shares.toString());
        assertTrue(shares.getFirst().percent() > 50, shares.toString());
        assertEquals(100, shares.stream().mapToDouble(Profile.Share::percent).sum(), 1e-9);
        Path png = dir.resolve("profile.png");
        Profile.chart(shares, 5, "test", png);
        assertTrue(Files.size(png) > 1000);
    }
}
