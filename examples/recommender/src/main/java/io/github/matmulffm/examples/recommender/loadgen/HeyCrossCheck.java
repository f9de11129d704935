package io.github.matmulffm.examples.recommender.loadgen;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One point measured again with an independent tool, {@code hey} (Debian's package).
 * hey is closed-loop per worker (each of its {@code -c} workers waits for an answer
 * before it sends the next, at most {@code -q} per second), so under load it sends fewer
 * requests and its latencies leave out the time requests would have waited to be sent;
 * below capacity the two should agree.
 */
public final class HeyCrossCheck {
    public record Result(double requestsPerSecond, double p50Millis, double p99Millis, long ok, long other, String command) {
    }

    private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern PERCENTILE = Pattern.compile("(\\d+)%% in ([0-9.]+) secs".replace("%%", "%"));
    private static final Pattern STATUS = Pattern.compile("\\[(\\d+)]\\s+(\\d+) responses");

    public static boolean available() {
        try {
            Process p = new ProcessBuilder("hey").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(5, TimeUnit.SECONDS);
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code rate} requests per second from {@code workers} workers for {@code seconds}. */
    public static Result run(URI target, byte[] body, double rate, int workers, int seconds) throws IOException, InterruptedException {
        OpenLoop.requireLoopback(target);
        Path file = Files.createTempFile("hey-body", ".json");
        try {
            Files.write(file, body);
            List<String> command = List.of("hey", "-z", seconds + "s", "-c", Integer.toString(workers),
                    "-q", String.format("%.3f", rate / workers), "-t", "30", "-m", "POST", "-T", "application/json",
                    "-D", file.toString(), target.toString());
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            Matcher r = RATE.matcher(out);
            if (!r.find()) {
                throw new IOException("unexpected hey output:\n" + out);
            }
            double p50 = Double.NaN, p99 = Double.NaN;
            for (Matcher m = PERCENTILE.matcher(out); m.find(); ) {
                double ms = Double.parseDouble(m.group(2)) * 1000;
                switch (m.group(1)) {
                    case "50" -> p50 = ms;
                    case "99" -> p99 = ms;
                    default -> { }
                }
            }
            long ok = 0, other = 0;
            for (Matcher m = STATUS.matcher(out); m.find(); ) {
                long n = Long.parseLong(m.group(2));
                if (m.group(1).equals("200")) {
                    ok += n;
                } else {
                    other += n;
                }
            }
            return new Result(ok / (double) seconds, p50, p99, ok, other,
                    String.join(" ", command).replace(file.toString(), "body.json"));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
