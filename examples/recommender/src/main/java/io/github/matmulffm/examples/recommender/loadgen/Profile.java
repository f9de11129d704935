package io.github.matmulffm.examples.recommender.loadgen;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a JFR recording of the service under load says about where its CPU goes: the
 * share of execution samples per top frame (the method running when sampled), drawn as a
 * bar chart. Profile before rewriting: this is the picture that says the product is the
 * thing to replace.
 */
public final class Profile {
    public record Share(String method, double percent) {
    }

    private Profile() {
    }

    /** The top frames of every Java execution sample in {@code jfr}, as shares, largest first. */
    public static List<Share> topFrames(Path jfr) throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null
                    || e.getStackTrace().getFrames().isEmpty()) {
                continue;
            }
            RecordedFrame top = e.getStackTrace().getFrames().getFirst();
            String method = top.getMethod().getType().getName().replaceAll(".*\\.", "") + "." + top.getMethod().getName();
            counts.merge(method, 1, Integer::sum);
            total++;
        }
        int all = total;
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .map(c -> new Share(c.getKey(), 100.0 * c.getValue() / all))
                .toList();
    }

    /** The first {@code top} shares as a horizontal bar chart. */
    public static void chart(List<Share> shares, int top, String title, Path png) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        Map<String, Double> first = new LinkedHashMap<>();
        for (Share s : shares.subList(0, Math.min(top, shares.size()))) {
            first.put(s.method(), s.percent());
        }
        first.forEach((m, p) -> data.addValue(p, "share of CPU samples", m));
        JFreeChart chart = ChartFactory.createBarChart(title, "top frame (method running when sampled)", "% of Java CPU samples",
                data, PlotOrientation.HORIZONTAL, false, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 900, 480);
    }
}
