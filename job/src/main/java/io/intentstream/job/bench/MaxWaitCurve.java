package io.intentstream.job.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.intentstream.job.config.IntentStreamOptions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

import org.apache.flink.configuration.Configuration;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The latency/throughput curve of {@code training.max-wait} under paced load: one {@link EndToEndBenchmark} job per
 * maximum wait, each draining the same backlog and then written to at the same input rates (fractions of the first
 * point's sustained rate, so "50%" is one rate for every point). A shorter wait cuts smaller batches: less waiting
 * per event, more steps per event.
 */
public final class MaxWaitCurve {

    /**
     * @param endToEnd the end-to-end run every point repeats (its job options are the base; the reference rate is
     *     set here)
     * @param maxWaits the values of {@code training.max-wait}, in the order they are measured
     */
    public record Settings(EndToEndBenchmark.Settings endToEnd, List<Duration> maxWaits) {
        public Settings {
            Objects.requireNonNull(endToEnd, "endToEnd");
            maxWaits = List.copyOf(maxWaits);
            if (maxWaits.isEmpty()) {
                throw new IllegalArgumentException("give at least one max wait");
            }
            for (Duration wait : maxWaits) {
                if (wait.isNegative() || wait.isZero()) {
                    throw new IllegalArgumentException("max waits must be positive, got " + wait);
                }
            }
        }
    }

    private MaxWaitCurve() {}

    public static ObjectNode run(Settings settings, Consumer<String> progress) throws Exception {
        long started = System.nanoTime();
        EndToEndBenchmark.Settings base = settings.endToEnd();
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("created", Instant.now().toString());
        root.put("knob", IntentStreamOptions.MAX_BATCH_WAIT.key());
        Configuration baseOptions = base.jobOptions();
        root.put("batch_size", baseOptions.get(IntentStreamOptions.BATCH_SIZE));
        root.put("prequential_sample_fraction", baseOptions.get(IntentStreamOptions.PREQUENTIAL_SAMPLE_FRACTION));
        root.put("users", base.users());
        root.put("items", base.items());
        root.put("backlog_events", base.backlogEvents());
        root.put("phase_seconds", base.phase().toMillis() / 1e3);
        var points = root.putArray("points");
        double reference = base.referenceEventsPerSecond();
        for (Duration wait : settings.maxWaits()) {
            Configuration options = new Configuration(baseOptions);
            options.set(IntentStreamOptions.MAX_BATCH_WAIT, wait);
            progress.accept(String.format(Locale.ROOT, "max wait %d ms", wait.toMillis()));
            double[] loadBefore = BenchmarkHarness.loadAverage();
            EndToEndBenchmark.Result result;
            try (EndToEndBenchmark benchmark = new EndToEndBenchmark(base.with(options, reference), progress)) {
                result = benchmark.run();
            }
            if (Double.isNaN(reference)) {
                reference = result.sustainedEventsPerSecond();
                root.put("reference_events_per_second", reference);
            }
            ObjectNode point = points.addObject();
            point.put("max_wait_ms", wait.toMillis());
            point.put("sustained_events_per_second", result.sustainedEventsPerSecond());
            point.put("delivery_guarantee", result.deliveryGuarantee());
            point.put("checkpoint_interval_ms", result.checkpointInterval().toMillis());
            var loads = point.putArray("loads");
            for (EndToEndBenchmark.LoadPoint p : result.loads()) {
                loads.add(BenchmarkHarness.loadNode(p));
            }
            BenchmarkHarness.putLoad(point, "load_average_before", loadBefore);
            BenchmarkHarness.putLoad(point, "load_average_after", BenchmarkHarness.loadAverage());
        }
        root.put("elapsed_seconds", (System.nanoTime() - started) / 1e9);
        return root;
    }

    /** Latency (p50 and p99, log scale) against the max wait, one chart per load fraction. */
    public static void plot(JsonNode document, Path file) throws IOException {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        List<Double> fractions = new ArrayList<>();
        for (JsonNode load : document.get("points").get(0).get("loads")) {
            fractions.add(load.get("load_fraction").asDouble());
        }
        double reference = document.path("reference_events_per_second").asDouble(Double.NaN);
        List<XYChart> charts = new ArrayList<>();
        for (int f = 0; f < fractions.size(); f++) {
            List<Double> waits = new ArrayList<>();
            List<Double> p50 = new ArrayList<>();
            List<Double> p99 = new ArrayList<>();
            for (JsonNode point : document.get("points")) {
                JsonNode load = point.get("loads").get(f);
                waits.add(point.get("max_wait_ms").asDouble());
                // A log axis cannot show 0 ms; no latency is below 1 ms anyway.
                p50.add(Math.max(1, load.get("p50").asDouble()));
                p99.add(Math.max(1, load.get("p99").asDouble()));
            }
            XYChart chart = new XYChartBuilder().width(640).height(420)
                    .title(String.format(Locale.ROOT, "Latency at %.0f%% load (%.0f events/s, batch %d)",
                            fractions.get(f) * 100, fractions.get(f) * reference,
                            document.get("batch_size").asInt()))
                    .xAxisTitle("training.max-wait (ms)").yAxisTitle("event to intent (ms)").build();
            chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            chart.getStyler().setMarkerSize(6);
            chart.getStyler().setYAxisLogarithmic(true);
            chart.addSeries("p50", waits, p50).setMarker(SeriesMarkers.CIRCLE);
            chart.addSeries("p99", waits, p99).setMarker(SeriesMarkers.DIAMOND);
            charts.add(chart);
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(charts, 1, charts.size(), png, BitmapEncoder.BitmapFormat.PNG);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(file, png.toByteArray());
    }
}
