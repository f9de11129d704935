package io.github.matmulffm.bench;

import io.github.matmulffm.bench.Results.Row;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.github.matmulffm.bench.Results.BATCH;
import static io.github.matmulffm.bench.Results.GEMM;
import static io.github.matmulffm.bench.Results.LATENCY;
import static io.github.matmulffm.bench.Results.THIN;

/**
 * {@code chart.png}: one panel per question, at most five lines or bar series each so that
 * every line can be told apart: square f64 at one thread and at all threads, f32, small
 * sizes (time per call, log axes), thin shapes as a fraction of the memory roof, batches.
 * A panel the run has no data for is left out.
 */
final class Charts {

    private static final int MAX_SERIES = 5;
    private static final int PANEL_WIDTH = 760;
    private static final int PANEL_HEIGHT = 480;
    private static final int HEADER = 56;
    private static final Font TITLE = new Font("SansSerif", Font.BOLD, 14);

    /**
     * A line or bar series: an implementation at a precision and thread count. {@code oneOfMany}:
     * its one-thread figure in a panel about all threads, drawn dashed (lines) or lighter (bars).
     */
    record Line(String impl, String precision, int threads, boolean oneOfMany) {
        String label(boolean withThreads) {
            return impl + (precision.equals("f32") ? " f32" : "") + (withThreads ? " " + threads + "T" : "");
        }
    }

    private final Results results;

    private Charts(Results results) {
        this.results = results;
    }

    static void write(Results results, Path file) throws IOException {
        new Charts(results).draw(file);
    }

    /** The panels this run has data for, in reading order. */
    List<JFreeChart> panels() {
        int maxThreads = results.maxThreads(GEMM);
        List<JFreeChart> panels = new ArrayList<>();
        square("Square f64, 1 thread: GFLOP/s", List.of(
                line("rust-offheap", "f64", 1), line("rust-heap", "f64", 1), line("openblas", "f64", 1),
                line("vectorblas", "f64", 1), line("ejml", "f64", 1), line("java-tuned", "f64", 1)), false)
                .ifPresent(panels::add);
        if (maxThreads > 1) {
            square("Square f64, " + maxThreads + " threads (dashed: 1 thread): GFLOP/s", List.of(
                    line("rust-offheap", "f64", maxThreads), line("openblas", "f64", maxThreads),
                    line("rust-heap", "f64", maxThreads), oneOfMany("rust-offheap", "f64"), oneOfMany("openblas", "f64")),
                    true).ifPresent(panels::add);
            square("Square f32 (dashed: 1 thread): GFLOP/s", List.of(
                    line("rust-offheap", "f32", maxThreads), line("openblas", "f32", maxThreads),
                    oneOfMany("rust-offheap", "f32"), oneOfMany("openblas", "f32"), oneOfMany("vectorblas", "f32")), true)
                    .ifPresent(panels::add);
        } else {
            square("Square f32, 1 thread: GFLOP/s", List.of(line("rust-offheap", "f32", 1), line("openblas", "f32", 1),
                    line("vectorblas", "f32", 1)), false).ifPresent(panels::add);
        }
        smallSizes().ifPresent(panels::add);
        thin(results.maxThreads(THIN)).ifPresent(panels::add);
        batches(results.maxThreads(BATCH)).ifPresent(panels::add);
        return panels;
    }

    private static Line line(String impl, String precision, int threads) {
        return new Line(impl, precision, threads, false);
    }

    private static Line oneOfMany(String impl, String precision) {
        return new Line(impl, precision, 1, true);
    }

    /** GFLOP/s against n, both axes log 2; the first five candidates the run measured. */
    private Optional<JFreeChart> square(String title, List<Line> candidates, boolean withThreads) {
        XYSeriesCollection dataset = new XYSeriesCollection();
        List<Line> drawn = new ArrayList<>();
        for (Line line : candidates) {
            List<Row> points = results.of(GEMM).filter(r -> r.impl().equals(line.impl())
                    && r.precision().equals(line.precision()) && r.threads() == line.threads()).toList();
            if (points.isEmpty() || drawn.size() == MAX_SERIES || drawnAlready(drawn, line)) {
                continue;
            }
            XYSeries series = new XYSeries(line.label(withThreads), true, false);
            points.forEach(r -> series.add(r.size(), r.gflops()));
            dataset.addSeries(series);
            drawn.add(line);
        }
        if (drawn.isEmpty()) {
            return Optional.empty();
        }
        // GFLOP/s on a linear axis: the lines that matter sit close together near the top.
        NumberAxis gflops = new NumberAxis("GFLOP/s (higher is better)");
        gflops.setAutoRangeIncludesZero(true);
        return Optional.of(lines(title, dataset, drawn, log2("n (square, log scale)"), gflops));
    }

    /** Time per call from Java at n = 2..64, log axes: where a native call pays. */
    private Optional<JFreeChart> smallSizes() {
        XYSeriesCollection dataset = new XYSeriesCollection();
        List<Line> drawn = new ArrayList<>();
        for (String impl : List.of("rust-heap", "rust-offheap", "openblas", "java-tuned", "vectorblas")) {
            List<Row> points = results.of(LATENCY).filter(r -> r.impl().equals(impl)).toList();
            if (points.isEmpty() || drawn.size() == MAX_SERIES) {
                continue;
            }
            XYSeries series = new XYSeries(impl, true, false);
            points.forEach(r -> series.add(r.size(), r.medianUs() * 1e3));
            dataset.addSeries(series);
            drawn.add(line(impl, "f64", 1));
        }
        if (drawn.isEmpty()) {
            return Optional.empty();
        }
        LogAxis time = log2("ns per call (log scale)");
        time.setNumberFormatOverride(new DecimalFormat("0"));
        return Optional.of(lines("Small sizes, 1 thread: time per call from Java (lower is better)", dataset, drawn,
                log2("n (log scale)"), time));
    }

    /** Each shape's roof time / its time: 1.0 is the memory roof, higher is closer to it. */
    private Optional<JFreeChart> thin(int maxThreads) {
        DefaultCategoryDataset dataset = new DefaultCategoryDataset();
        List<Line> candidates = List.of(line("rust-offheap", "f64", maxThreads), line("rust-heap", "f64", maxThreads),
                oneOfMany("rust-offheap", "f64"), line("openblas", "f64", maxThreads), line("java-loop", "f64", 1),
                line("vectorblas", "f64", 1));
        List<Line> drawn = new ArrayList<>();
        for (Line line : candidates) {
            List<Row> points = results.of(THIN).filter(r -> r.impl().equals(line.impl()) && r.threads() == line.threads()
                    && results.fractionOfRoof(r).isPresent()).toList();
            if (points.isEmpty() || drawn.size() == MAX_SERIES || drawnAlready(drawn, line)) {
                continue;
            }
            for (Row r : points) {
                ThinBenchmark.Shape shape = ThinBenchmark.Shape.values()[r.size()];
                dataset.addValue(results.fractionOfRoof(r).orElseThrow(), line.label(true), shape.id + " (" + shape.dims() + ")");
            }
            drawn.add(line);
        }
        if (drawn.isEmpty()) {
            return Optional.empty();
        }
        JFreeChart chart = bars("Thin shapes: fraction of the memory roof (1.0 = one thread's streaming read)", dataset,
                drawn, "roof time / time (higher is better)");
        chart.getCategoryPlot().addRangeMarker(new ValueMarker(1.0, Color.DARK_GRAY, new BasicStroke(1.5f)));
        return Optional.of(chart);
    }

    /** GFLOP/s of a batch against the same products one by one and one big call, at all threads. */
    private Optional<JFreeChart> batches(int maxThreads) {
        DefaultCategoryDataset dataset = new DefaultCategoryDataset();
        List<Line> drawn = new ArrayList<>();
        for (String impl : List.of("batch-offheap", "one-by-one-offheap", "one-big-call-offheap", "batch-heap",
                "one-by-one-heap")) {
            List<Row> points = results.of(BATCH).filter(r -> r.impl().equals(impl) && r.threads() == maxThreads).toList();
            if (points.isEmpty() || drawn.size() == MAX_SERIES) {
                continue;
            }
            for (Row r : points) {
                dataset.addValue(r.gflops(), impl, "n = " + r.size() + " x " + BatchBenchmark.products(r.size()));
            }
            drawn.add(line(impl, "f64", maxThreads));
        }
        if (drawn.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(bars("Batches, " + maxThreads + (maxThreads == 1 ? " thread" : " threads") + ": GFLOP/s", dataset, drawn,
                "GFLOP/s (higher is better)"));
    }

    /** The same implementation, precision and threads as a line already drawn (one thread is all threads). */
    private static boolean drawnAlready(List<Line> drawn, Line line) {
        return drawn.stream().anyMatch(d -> d.impl().equals(line.impl()) && d.precision().equals(line.precision())
                && d.threads() == line.threads());
    }

    private static Color lighter(Color color) {
        return new Color((color.getRed() + 255) / 2, (color.getGreen() + 255) / 2, (color.getBlue() + 255) / 2);
    }

    private static LogAxis log2(String label) {
        // A tick per power of two (a LogAxis tick unit counts exponents).
        LogAxis axis = new LogAxis(label);
        axis.setBase(2);
        axis.setTickUnit(new NumberTickUnit(1));
        axis.setNumberFormatOverride(new DecimalFormat("0.###"));
        return axis;
    }

    private static JFreeChart lines(String title, XYSeriesCollection dataset, List<Line> drawn, ValueAxis x, ValueAxis y) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        XYPlot plot = new XYPlot(dataset, x, y, renderer);
        for (int i = 0; i < drawn.size(); i++) {
            Line line = drawn.get(i);
            renderer.setSeriesPaint(i, color(line.impl(), line.precision()));
            renderer.setSeriesStroke(i, line.oneOfMany()
                    ? new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[]{6f, 4f}, 0f)
                    : new BasicStroke(2.2f));
        }
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return chart(title, plot);
    }

    private static JFreeChart bars(String title, DefaultCategoryDataset dataset, List<Line> drawn, String valueLabel) {
        BarRenderer renderer = new BarRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        CategoryAxis categories = new CategoryAxis();
        // A label such as "vecmat (1 x 2000 x 2000)" is wider than its category: wrap it at
        // a space rather than cut it short.
        categories.setMaximumCategoryLabelLines(2);
        CategoryPlot plot = new CategoryPlot(dataset, categories, new NumberAxis(valueLabel), renderer);
        // Rows were added in the order of drawn.
        for (int i = 0; i < drawn.size(); i++) {
            Color color = color(drawn.get(i).impl(), drawn.get(i).precision());
            renderer.setSeriesPaint(i, drawn.get(i).oneOfMany() ? lighter(color) : color);
        }
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return chart(title, plot);
    }

    private static JFreeChart chart(String title, Plot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** The panels two to a row under one header line that says where and when they were measured. */
    private void draw(Path file) throws IOException {
        List<JFreeChart> panels = panels();
        int columns = 2;
        int rowsOfPanels = Math.max(1, (panels.size() + columns - 1) / columns);
        BufferedImage image = new BufferedImage(columns * PANEL_WIDTH, HEADER + rowsOfPanels * PANEL_HEIGHT,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        JFreeChart header = new JFreeChart(null, null, new XYPlot(), false);
        header.clearSubtitles();
        header.addSubtitle(new TextTitle("matmul-ffm benchmark (" + results.env("mode") + " run), commit "
                + results.env("commit") + ", " + results.env("date"), new Font("SansSerif", Font.BOLD, 16)));
        header.addSubtitle(new TextTitle(results.env("cpu") + ", " + results.env("cores") + " cores; " + results.env("jdk")
                + "; kernel " + results.env("kernel") + "; OpenBLAS core " + results.env("openblas_core"),
                new Font("SansSerif", Font.PLAIN, 12)));
        header.setBackgroundPaint(Color.WHITE);
        header.getPlot().setOutlineVisible(false);
        header.getPlot().setBackgroundPaint(Color.WHITE);
        header.draw(g, new Rectangle2D.Double(0, 0, image.getWidth(), HEADER));
        for (int i = 0; i < panels.size(); i++) {
            panels.get(i).draw(g, new Rectangle2D.Double((i % columns) * PANEL_WIDTH, HEADER + (i / columns) * PANEL_HEIGHT,
                    PANEL_WIDTH, PANEL_HEIGHT));
        }
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static Color color(String impl, String precision) {
        boolean f32 = precision.equals("f32");
        return switch (impl) {
            case "java-tuned", "java-loop" -> new Color(0x8c564b);
            case "ejml" -> new Color(0xbcbd22);
            case "vectorblas" -> f32 ? new Color(0xf7b6d2) : new Color(0xe377c2);
            case "rust-heap", "batch-heap" -> new Color(0x1f77b4);
            case "rust-offheap", "batch-offheap" -> f32 ? new Color(0x17becf) : new Color(0x2ca02c);
            case "openblas" -> f32 ? new Color(0xff7f0e) : new Color(0xd62728);
            case "one-by-one-offheap" -> new Color(0x7f7f7f);
            case "one-by-one-heap" -> new Color(0xc7c7c7);
            case "one-big-call-offheap" -> new Color(0x9467bd);
            default -> Color.BLACK;
        };
    }
}
