package io.github.matmulffm.examples.recommender.loadgen;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service under test in a JVM of its own (as it runs in production), on a free
 * loopback port; stopped with SIGTERM, as an orchestrator stops it.
 */
public final class ServiceProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("recommender listening on (http://[^ ]+) ");

    public final Process process;
    public final URI base;
    public final String banner;
    /** Every line the service printed so far (written by the reader thread). */
    private final List<String> output;
    private final Thread reader;
    private final Thread errors;

    private ServiceProcess(Process process, URI base, String banner, List<String> output, Thread reader, Thread errors) {
        this.process = process;
        this.base = base;
        this.banner = banner;
        this.output = output;
        this.reader = reader;
        this.errors = errors;
    }

    /** What the service printed; after it exited, all of it. */
    public List<String> output() throws InterruptedException {
        if (!process.isAlive()) {
            reader.join(5000);
            errors.join(5000);
        }
        synchronized (output) {
            return List.copyOf(output);
        }
    }

    /** Starts {@code java [jvmArgs] -cp classPath main --port 0 [flags]} and waits for its banner. */
    public static ServiceProcess start(String classPath, List<String> jvmArgs, List<String> flags, long timeoutSeconds)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("--add-modules=jdk.incubator.vector");
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", classPath, "io.github.matmulffm.examples.recommender.RecommenderService", "--port", "0"));
        command.addAll(flags);
        // stdout and stderr apart: merged, a log line from another thread of the service
        // could land in the middle of the banner.
        Process p = new ProcessBuilder(command).start();
        CompletableFuture<String> banner = new CompletableFuture<>();
        List<String> lines = new ArrayList<>();
        Thread reader = drain(p.getInputStream(), lines, banner, "service-stdout");
        Thread errors = drain(p.getErrorStream(), lines, null, "service-stderr");
        String line;
        try {
            line = banner.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (Exception e) {
            line = null;
        }
        if (line == null) {
            p.destroyForcibly();
            synchronized (lines) {
                throw new IOException("the service did not start: " + String.join("\n", lines));
            }
        }
        Matcher m = LISTENING.matcher(line);
        m.find();
        return new ServiceProcess(p, URI.create(m.group(1)), line, lines, reader, errors);
    }

    /** A daemon thread that copies the stream's lines into {@code lines}, completing {@code banner} when it is seen. */
    private static Thread drain(java.io.InputStream stream, List<String> lines, CompletableFuture<String> banner, String name) {
        BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
        Thread t = new Thread(() -> {
            try {
                for (String line; (line = in.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                    if (banner != null && LISTENING.matcher(line).find()) {
                        banner.complete(line);
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
            if (banner != null) {
                banner.complete(null);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The service's CPU time so far (user + system), from /proc; -1 where there is none. */
    public long cpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
            return ticks * 10_000_000L; // USER_HZ is 100 on Linux
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Sends SIGTERM, as an orchestrator does. Through the process handle: Process.destroy()
     * would also close our end of its output, losing what it prints while it drains.
     */
    public void terminate() {
        process.toHandle().destroy();
    }

    /** SIGTERM, then the exit status (forcibly killed after the timeout). */
    public int stop(long timeoutSeconds) throws InterruptedException {
        terminate();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop(30);
        }
    }
}
