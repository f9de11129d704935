package io.github.matmulffm.examples.recommender.loadgen;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The run's CSV, Markdown and chart: per backend its capacity at the p99 objective, its
 * peak, and its p99 at the rate all are offered; every step; the hey cross-check; the
 * agreement check; the profile's top frames. The chart is p99 against offered rate.
 */
final class Report {
    record Setup(int users, int items, int rank, int cohort, int k, int workers, int stepSeconds, int warmupSeconds,
                 double commonRate, double sloMillis) {
    }

    private static String f1(double x) {
        return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.1f", x);
    }

    static void write(Path out, String name, List<CapacityRun.Step> steps, List<CapacityRun.CrossCheck> checks,
                      Map<String, List<String>> agreement, List<Profile.Share> profile, Setup setup) throws IOException {
        List<String> csv = new ArrayList<>();
        csv.add("backend,blas,common_rate_step,estimate_per_s,offered_per_s,achieved_per_s,p50_ms,p99_ms,p999_ms,max_ms,ok,rejected_503,errors,timeouts,service_cpu_cores");
        for (CapacityRun.Step s : steps) {
            OpenLoop.Result r = s.result();
            csv.add(String.format(Locale.ROOT, "%s,%s,%b,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f,%d,%d,%d,%d,%.2f", s.backend(), s.blas(), s.common(),
                    s.estimate(), r.offeredPerSecond(), r.achievedPerSecond(), r.percentileMillis(50), r.percentileMillis(99),
                    r.percentileMillis(99.9), r.percentileMillis(100), r.ok(), r.rejected(), r.errors(), r.timeouts(), r.serviceCores()));
        }
        Files.write(out.resolve(name + ".csv"), csv);

        Map<String, List<CapacityRun.Step>> byBackend = new LinkedHashMap<>();
        for (CapacityRun.Step s : steps) {
            byBackend.computeIfAbsent(s.backend(), b -> new ArrayList<>()).add(s);
        }
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Each request: a cohort of %d users x %d factors times %d factors x %d items, top %d per user; "
                        + "%d scoring threads; open-loop steps of at least %d s after %d s of warm-up each, latency from the intended send time.%n%n",
                setup.cohort(), setup.rank(), setup.rank(), setup.items(), setup.k(), setup.workers(), setup.stepSeconds(), setup.warmupSeconds()));
        md.append(String.format(Locale.ROOT, "**Per backend.** Capacity at the objective: the highest throughput (200s completed per second) of a step "
                        + "with p99 <= %.0f ms, no timeouts and at most 1%% refused or failed. Peak: the highest throughput of any step. "
                        + "p99 at %s req/s: the step every backend is offered.%n%n", setup.sloMillis(), f1(setup.commonRate())));
        md.append(String.format(Locale.ROOT, "| backend | capacity at p99 <= %.0f ms (req/s) | its p99 ms | peak (req/s) | p99 at %s req/s (ms) | p50 there | CPU at peak (cores) |%n",
                setup.sloMillis(), f1(setup.commonRate())));
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (var e : byBackend.entrySet()) {
            CapacityRun.Step peak = null, capacity = null, common = null;
            for (CapacityRun.Step s : e.getValue()) {
                OpenLoop.Result r = s.result();
                if (s.common()) {
                    common = s;
                }
                if (peak == null || r.achievedPerSecond() > peak.result().achievedPerSecond()) {
                    peak = s;
                }
                boolean meets = r.timeouts() == 0 && r.errors() + r.rejected() <= 0.01 * r.sent() && r.percentileMillis(99) <= setup.sloMillis();
                if (meets && (capacity == null || r.achievedPerSecond() > capacity.result().achievedPerSecond())) {
                    capacity = s;
                }
            }
            String blas = e.getValue().getFirst().blas();
            md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %.2f |%n", e.getKey() + (blas.isEmpty() ? "" : " (" + blas + ")"),
                    capacity == null ? "none" : f1(capacity.result().achievedPerSecond()),
                    capacity == null ? "-" : f1(capacity.result().percentileMillis(99)),
                    f1(peak.result().achievedPerSecond()),
                    common == null ? "-" : f1(common.result().percentileMillis(99)),
                    common == null ? "-" : f1(common.result().percentileMillis(50)),
                    peak.result().serviceCores()));
        }
        md.append("\n\"none\": p99 was above the objective even at the lowest rate offered.\n");

        md.append("\n**Answers.** Each backend's answer to one 500-user request, checked against the factors (reference summed in order; "
                + "a score agrees when within 16 x the dblat3 gauge, and each item is in the reference's top k):\n\n");
        agreement.forEach((backend, problems) -> md.append("- ").append(backend).append(": ")
                .append(problems.isEmpty() ? "agrees" : "DISAGREES: " + String.join("; ", problems)).append('\n'));

        md.append("\n**Every step**\n\n| backend | offered/s | achieved/s | p50 ms | p99 ms | p999 ms | ok | 503 | errors | timeouts | CPU cores |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (CapacityRun.Step s : steps) {
            OpenLoop.Result r = s.result();
            md.append(String.format(Locale.ROOT, "| %s%s | %s | %s | %s | %s | %s | %d | %d | %d | %d | %.2f |%n", s.backend(), s.common() ? " (common rate)" : "",
                    f1(r.offeredPerSecond()), f1(r.achievedPerSecond()), f1(r.percentileMillis(50)), f1(r.percentileMillis(99)),
                    f1(r.percentileMillis(99.9)), r.ok(), r.rejected(), r.errors(), r.timeouts(), r.serviceCores()));
        }
        if (!checks.isEmpty()) {
            md.append("\n**Cross-check with hey** (closed-loop per worker; one worker per scoring thread), at the second step's offered rate:\n\n")
                    .append("| backend | offered/s | ours: achieved/s, p50, p99 ms | hey: achieved/s, p50, p99 ms | hey non-200 |\n|---|---:|---|---|---:|\n");
            for (CapacityRun.CrossCheck c : checks) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s, %s, %s | %s, %s, %s | %d |%n", c.backend(), f1(c.ours().offeredPerSecond()),
                        f1(c.ours().achievedPerSecond()), f1(c.ours().percentileMillis(50)), f1(c.ours().percentileMillis(99)),
                        f1(c.hey().requestsPerSecond()), f1(c.hey().p50Millis()), f1(c.hey().p99Millis()), c.hey().other()));
            }
            md.append("\nhey's command, for the last backend: `").append(checks.getLast().hey().command()).append("`\n");
        }
        if (!profile.isEmpty()) {
            md.append("\n**Profile of the naive service** (JFR execution samples over the whole run, by top frame; `")
                    .append(name).append("-profile.png`):\n\n| method | % of Java CPU samples |\n|---|---:|\n");
            for (Profile.Share s : profile.subList(0, Math.min(8, profile.size()))) {
                md.append(String.format(Locale.ROOT, "| %s | %.1f |%n", s.method(), s.percent()));
            }
        }
        Files.writeString(out.resolve(name + ".md"), md.toString());

        XYSeriesCollection data = new XYSeriesCollection();
        for (var e : byBackend.entrySet()) {
            XYSeries series = new XYSeries(e.getKey());
            for (CapacityRun.Step s : e.getValue()) {
                double p99 = s.result().percentileMillis(99);
                if (s.result().ok() > 0 && p99 > 0) {
                    series.addOrUpdate(s.result().offeredPerSecond(), p99);
                }
            }
            data.addSeries(series);
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Recommendation service: p99 latency against offered rate, per backend",
                "offered requests/s (log)", "p99 ms (log)", data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        LogarithmicAxis x = new LogarithmicAxis("offered requests/s (log)");
        x.setAllowNegativesFlag(false);
        plot.setDomainAxis(x);
        plot.setRangeAxis(new LogarithmicAxis("p99 latency, ms (log)"));
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ValueMarker slo = new ValueMarker(setup.sloMillis(), Color.GRAY, new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{6f, 4f}, 0f));
        slo.setLabel("p99 objective " + f1(setup.sloMillis()) + " ms");
        plot.addRangeMarker(slo);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        ChartUtils.saveChartAsPNG(out.resolve(name + ".png").toFile(), chart, 900, 560);
    }
}
