package io.github.matmulffm.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns a run's {@code raw.json} (JMH) and {@code env.json} ({@link Suite}) into what a user
 * reads, one class per job: {@code results.csv} ({@link CsvTable}), {@code results.md}
 * ({@link MarkdownTables}) and {@code chart.png} ({@link Charts}), from the rows that
 * {@link Results} reads. Run alone it regenerates them from a directory: {@code Report OUTPUT_DIR}.
 */
public final class Report {

    private Report() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Report OUTPUT_DIR   (reads raw.json and env.json there)");
            System.exit(2);
        }
        write(Path.of(args[0]));
    }

    /** Reads {@code dir/raw.json} and {@code dir/env.json}, writes the CSV, the tables and the chart there. */
    public static void write(Path dir) throws IOException {
        Results results = Results.read(dir);
        Files.writeString(dir.resolve("results.csv"), CsvTable.of(results), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("results.md"), MarkdownTables.of(results), StandardCharsets.UTF_8);
        Charts.write(results, dir.resolve("chart.png"));
        System.out.println("# wrote " + dir.resolve("results.csv") + ", " + dir.resolve("results.md") + ", "
                + dir.resolve("chart.png"));
    }
}
