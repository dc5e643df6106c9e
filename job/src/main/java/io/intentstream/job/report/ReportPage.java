package io.intentstream.job.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.intentstream.model.inspect.PrincipalComponents;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One self-contained HTML page with the plots of a run: ECharts (Apache-2.0, from its WebJar) is inlined, every
 * chart's data is in the page, nothing is fetched. Charts are drawn as SVG so that the browser's DOM shows what
 * was drawn; the page sets {@code data-charts-rendered} on its body once every chart is drawn.
 *
 * <p>Sections appear for the inputs that were given: training (loss parts and validation metrics per epoch),
 * replay and demo summaries, the benchmark (GFLOP/s, throughput side by side, latency against input rate), the
 * clusters (size distribution, occupancy over time) and the 2-D projection of centres and user embeddings.
 */
public final class ReportPage {

    static final String ECHARTS_RESOURCE = "META-INF/resources/webjars/echarts/5.3.1/dist/echarts.min.js";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> sections = new ArrayList<>();
    private final List<String> chartIds = new ArrayList<>();
    private final ArrayNode charts = JSON.createArrayNode();
    private final String title;

    public ReportPage(String title) {
        this.title = title;
    }

    /** Chart ids added so far, in page order (each is the id of its element). */
    public List<String> chartIds() {
        return List.copyOf(chartIds);
    }

    /** Loss parts and validation metrics per epoch from a {@code train} results.json. */
    public ReportPage training(JsonNode results) {
        StringBuilder html = new StringBuilder("<h2>Training</h2>");
        html.append(table(scalars(results, "preset", "ablation", "dataset", "status", "epochs_run", "best_epoch",
                "sequences_per_second", "wall_seconds")));
        JsonNode test = results.path("test");
        if (test.isObject()) {
            html.append("<h3>Test metrics of the best epoch</h3>").append(table(flatten(test)));
        }
        List<Double> epochs = new ArrayList<>();
        Map<String, List<Double>> loss = new java.util.LinkedHashMap<>();
        for (JsonNode epoch : results.path("epochs")) {
            epochs.add(epoch.path("epoch").asDouble());
            epoch.path("loss").fields().forEachRemaining(f ->
                    loss.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(f.getValue().asDouble()));
        }
        List<Double> validEpochs = new ArrayList<>();
        Map<String, List<Double>> metrics = new java.util.LinkedHashMap<>();
        for (JsonNode valid : results.path("valid")) {
            validEpochs.add(valid.path("epoch").asDouble());
            for (String metric : List.of("hr@5", "hr@20", "ndcg@5", "ndcg@20")) {
                metrics.computeIfAbsent(metric, k -> new ArrayList<>()).add(valid.path(metric).asDouble());
            }
        }
        sections.add(html.toString());
        if (!epochs.isEmpty()) {
            lines("train-loss", "Training loss parts per epoch", "epoch", "loss", epochs, loss);
        }
        if (!validEpochs.isEmpty()) {
            lines("train-validation", "Validation metrics per epoch (reference protocol)", "epoch", "metric",
                    validEpochs, metrics);
        }
        return this;
    }

    /** The scalar fields of a {@code replay} or {@code demo} summary as a table. */
    public ReportPage summary(String name, JsonNode summary) {
        sections.add("<h2>" + escape(name) + " summary</h2>" + table(flatten(summary)));
        return this;
    }

    /**
     * The benchmark JSON: rates side by side, the ratios and goals, latency against input rate and the full step's
     * products at their shapes; or, for the JSON of a trade-off curve ({@code bench --training-fractions} or
     * {@code --batch-sizes}), events/s and the prequential metrics against the setting it varied; or, for
     * {@code bench --max-waits}, latency against the max wait. Call once per JSON.
     */
    public ReportPage benchmark(JsonNode bench) {
        if (MAX_WAIT_KNOB.equals(bench.path("knob").asText()) && bench.path("points").isArray()) {
            return maxWaitCurve(bench);
        }
        if (bench.path("knob").isTextual() && bench.path("points").isArray()) {
            return tradeOff(bench);
        }
        StringBuilder html = new StringBuilder("<h2>Benchmark</h2>");
        html.append(table(flatten(bench.path("ratios"))));
        html.append(table(flatten(bench.path("goals"))));
        html.append(table(flatten(bench.path("machine"))));
        sections.add(html.toString());
        List<String> names = new ArrayList<>(List.of("matmul peak"));
        List<Double> gflops = new ArrayList<>(List.of(bench.path("matmul_gflops").asDouble()));
        List<String> throughputNames = new ArrayList<>();
        List<Double> throughput = new ArrayList<>();
        for (String mode : List.of("inference", "next_item", "full")) {
            JsonNode step = bench.path("step").path(mode);
            names.add("step: " + mode);
            gflops.add(step.path("gflops").asDouble());
            throughputNames.add("step: " + mode + " (sequences/s)");
            throughput.add(step.path("sequences_per_second").asDouble());
        }
        throughputNames.add("end to end (events/s)");
        throughput.add(bench.path("e2e_events_per_second").asDouble());
        bars("bench-gflops", "Achieved GFLOP/s: matmul peak and model steps", "GFLOP/s", names, gflops);
        bars("bench-throughput", "Throughput side by side", "per second", throughputNames, throughput);
        List<Double> rates = new ArrayList<>();
        Map<String, List<Double>> latency = new java.util.LinkedHashMap<>();
        for (JsonNode load : bench.path("e2e").path("loads")) {
            rates.add(load.path("input_events_per_second").asDouble());
            for (String p : List.of("p50", "p90", "p99")) {
                latency.computeIfAbsent(p, k -> new ArrayList<>()).add(load.path(p).asDouble());
            }
        }
        if (!rates.isEmpty()) {
            lines("bench-latency", "Event-to-intent latency against input rate", "input events/s", "ms", rates,
                    latency);
        }
        stepProducts(bench);
        return this;
    }

    /** The knob of a {@code bench --max-waits} curve. */
    private static final String MAX_WAIT_KNOB = "training.max-wait";

    /**
     * The full step's matrix products timed alone at their shapes ({@code step_products} of the harness JSON), as
     * GFLOP/s per product next to the square peak.
     */
    private void stepProducts(JsonNode bench) {
        JsonNode products = bench.path("step_products");
        if (!products.isArray() || products.isEmpty()) {
            return;
        }
        List<String> names = new ArrayList<>(List.of("square peak " + bench.path("matmul").path("size").asInt()));
        List<Double> gflops = new ArrayList<>(List.of(bench.path("matmul_gflops").asDouble()));
        for (JsonNode p : products) {
            names.add(String.format(Locale.ROOT, "%s %s(%d×%d)·(%d×%d)", p.path("name").asText(),
                    p.path("batch").asLong() > 1 ? p.path("batch").asLong() + "× " : "", p.path("m").asLong(),
                    p.path("k").asLong(), p.path("k").asLong(), p.path("n").asLong()));
            gflops.add(p.path("gflops").asDouble());
        }
        sections.add(String.format(Locale.ROOT, "<p>The full step's matrix products alone at their own shapes: "
                        + "%.1f GFLOP/s over %.0f ms per step (%.2f of the square peak); the whole step reaches "
                        + "%.2f of that.</p>", bench.path("step_products_gflops").asDouble(),
                bench.path("step_products_ms").asDouble(), bench.path("ratios").path("step_products_vs_peak")
                        .asDouble(), bench.path("ratios").path("full_step_vs_step_products").asDouble()));
        bars("bench-products", "GFLOP/s of the full step's products at their shapes", "GFLOP/s", names, gflops);
    }

    /** {@code bench --max-waits}: p50 and p99 latency against the max wait, per load. */
    private ReportPage maxWaitCurve(JsonNode curve) {
        List<Double> waits = new ArrayList<>();
        Map<String, List<Double>> latency = new java.util.LinkedHashMap<>();
        StringBuilder rows = new StringBuilder("<table><tr><th>max wait (ms)</th><th>sustained events/s</th>"
                + "<th>load</th><th>input events/s</th><th>p50 ms</th><th>p99 ms</th></tr>");
        for (JsonNode point : curve.path("points")) {
            waits.add(point.path("max_wait_ms").asDouble());
            for (JsonNode load : point.path("loads")) {
                String at = String.format(Locale.ROOT, " at %.0f%%", 100 * load.path("load_fraction").asDouble());
                latency.computeIfAbsent("p50" + at, k -> new ArrayList<>()).add(load.path("p50").asDouble());
                latency.computeIfAbsent("p99" + at, k -> new ArrayList<>()).add(load.path("p99").asDouble());
                rows.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.1f</td><td>%.0f%%</td><td>%.1f</td>"
                                + "<td>%.0f</td><td>%.0f</td></tr>", point.path("max_wait_ms").asLong(),
                        point.path("sustained_events_per_second").asDouble(),
                        100 * load.path("load_fraction").asDouble(), load.path("input_events_per_second").asDouble(),
                        load.path("p50").asDouble(), load.path("p99").asDouble()));
            }
        }
        rows.append("</table>");
        sections.add(String.format(Locale.ROOT, "<h2>Latency against %s</h2><p>One end-to-end run per value, "
                        + "batch size %d, loads as fractions of %.1f events/s (the first run's sustained rate).</p>",
                MAX_WAIT_KNOB, curve.path("batch_size").asInt(),
                curve.path("reference_events_per_second").asDouble()) + rows);
        lines("max-wait-latency", "Event-to-intent latency against " + MAX_WAIT_KNOB, "max wait (ms)", "ms", waits,
                latency);
        return this;
    }

    private ReportPage tradeOff(JsonNode curve) {
        String knob = curve.path("knob").asText();
        String id = "tradeoff-" + knob.replaceAll("[^A-Za-z0-9]+", "-");
        List<Double> x = new ArrayList<>();
        List<Double> rate = new ArrayList<>();
        Map<String, List<Double>> quality = new java.util.LinkedHashMap<>();
        StringBuilder rows = new StringBuilder("<table><tr><th>" + escape(knob) + "</th><th>events/s</th>"
                + "<th>prequential NDCG@10</th><th>prequential HR@10</th><th>trained events</th><th>load (1 min)"
                + "</th></tr>");
        for (JsonNode point : curve.path("points")) {
            x.add(point.path(knob).asDouble());
            rate.add(point.path("events_per_second").asDouble());
            quality.computeIfAbsent("NDCG@10", k -> new ArrayList<>()).add(point.path("prequential_ndcg10").asDouble());
            quality.computeIfAbsent("HR@10", k -> new ArrayList<>()).add(point.path("prequential_hr10").asDouble());
            rows.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.1f</td><td>%.4f</td><td>%.4f</td><td>%d</td>"
                    + "<td>%.2f</td></tr>", escape(point.path(knob).asText()), point.path("events_per_second")
                    .asDouble(), point.path("prequential_ndcg10").asDouble(), point.path("prequential_hr10")
                    .asDouble(), point.path("trained_events").asLong(),
                    point.path("load_average_after").path(0).asDouble(Double.NaN)));
        }
        rows.append("</table>");
        sections.add("<h2>Trade-off: " + escape(knob) + "</h2><p>" + curve.path("events").asLong()
                + " events of " + escape(curve.path("data").asText()) + " replayed as a stream per point.</p>"
                + rows);
        lines(id + "-rate", "Throughput against " + knob, knob, "events/s", x, Map.of("events/s", rate));
        lines(id + "-quality", "Prequential quality against " + knob, knob, "metric", x, quality);
        return this;
    }

    /** Users per cluster, largest first. */
    public ReportPage clusterSizes(String source, Map<Integer, Long> usersPerCluster) {
        sections.add("<h2>Clusters</h2><p>Users per cluster by each user's latest assignment (" + escape(source)
                + "): " + usersPerCluster.size() + " clusters hold users.</p>");
        List<Map.Entry<Integer, Long>> sorted = new ArrayList<>(usersPerCluster.entrySet());
        sorted.sort(Map.Entry.<Integer, Long>comparingByValue().reversed());
        bars("cluster-sizes", "Cluster size distribution (largest first)", "users",
                sorted.stream().map(e -> "cluster " + e.getKey()).toList(),
                sorted.stream().map(e -> e.getValue().doubleValue()).toList());
        return this;
    }

    /** Clusters in use and the evenness of assignments over event time. */
    public ReportPage occupancy(List<IntentSample.Occupancy> slices) {
        List<Double> x = new ArrayList<>();
        Map<String, List<Double>> series = new java.util.LinkedHashMap<>();
        for (IntentSample.Occupancy o : slices) {
            x.add((double) o.fromMillis());
            series.computeIfAbsent("clusters in use", k -> new ArrayList<>()).add((double) o.clustersInUse());
            series.computeIfAbsent("normalised entropy x 100", k -> new ArrayList<>())
                    .add(100 * o.normalisedEntropy());
        }
        ObjectNode option = lineOption("Cluster occupancy over event time", "event time", "", x, series);
        option.with("xAxis").put("type", "time");
        add("cluster-occupancy", option);
        return this;
    }

    /** The paper's Figure 7: centres and a sample of user embeddings, projected to 2-D. */
    public ReportPage projection(PrincipalComponents.Projection projection, long modelVersion) {
        sections.add(String.format(Locale.ROOT, "<h2>Centres and user embeddings</h2><p>%d centres and %d users "
                + "(model version %d), L2-normalised and projected onto their two principal components "
                + "(%.0f%% and %.0f%% of the variance).</p>", projection.centres().length,
                projection.embeddings().length, modelVersion, 100 * projection.explainedVariance()[0],
                100 * projection.explainedVariance()[1]));
        ObjectNode option = base("Centres and user embeddings (PCA)");
        option.putObject("xAxis").put("type", "value").put("name", "PC 1").put("scale", true);
        option.putObject("yAxis").put("type", "value").put("name", "PC 2").put("scale", true);
        ArrayNode series = option.putArray("series");
        series.add(scatter("users", projection.embeddings(), 4));
        series.add(scatter("centres", projection.centres(), 9));
        add("embedding-projection", option);
        return this;
    }

    /** The page. */
    public String html() {
        String script;
        try {
            script = "const charts = " + JSON.writeValueAsString(charts).replace("</", "<\\/") + ";\n" + RENDER;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(escape(title)).append("</title><style>").append(STYLE).append("</style></head><body>")
                .append("<h1>").append(escape(title)).append("</h1><p class=\"created\">Created ")
                .append(Instant.now()).append("</p>");
        sections.forEach(page::append);
        page.append("<script>").append(echarts().replace("</script", "<\\/script")).append("</script>\n");
        page.append("<script>").append(script).append("</script></body></html>\n");
        return page.toString();
    }

    private static final String STYLE = "body{font-family:sans-serif;margin:24px;max-width:1100px}"
            + ".chart{width:1000px;height:380px;margin:12px 0}table{border-collapse:collapse;margin:8px 0}"
            + "td,th{border:1px solid #ccc;padding:2px 8px;font-size:13px;text-align:left}"
            + ".created{color:#666}.chart-error{color:#b00}";

    /** Draws every chart as SVG without animation (a screenshot must show the final state), then flags the body. */
    private static final String RENDER = """
            let rendered = 0;
            for (const c of charts) {
              const element = document.getElementById(c.id);
              try {
                const chart = echarts.init(element, null, {renderer: 'svg'});
                chart.setOption(c.option);
                rendered++;
              } catch (e) {
                element.className += ' chart-error';
                element.textContent = 'Chart failed: ' + e;
              }
            }
            document.body.setAttribute('data-charts-rendered', String(rendered));
            """;

    private void add(String id, ObjectNode option) {
        if (chartIds.contains(id)) {
            throw new IllegalStateException("chart " + id + " added twice");
        }
        option.put("animation", false);
        chartIds.add(id);
        ObjectNode chart = charts.addObject();
        chart.put("id", "chart-" + id);
        chart.set("option", option);
        sections.add("<div class=\"chart\" id=\"chart-" + id + "\"></div>");
    }

    private void lines(String id, String chartTitle, String xName, String yName, List<Double> x,
            Map<String, List<Double>> series) {
        add(id, lineOption(chartTitle, xName, yName, x, series));
    }

    private static ObjectNode lineOption(String chartTitle, String xName, String yName, List<Double> x,
            Map<String, List<Double>> series) {
        ObjectNode option = base(chartTitle);
        option.putObject("xAxis").put("type", "value").put("name", xName).put("scale", true);
        option.putObject("yAxis").put("type", "value").put("name", yName).put("scale", true);
        ArrayNode list = option.putArray("series");
        for (Map.Entry<String, List<Double>> s : series.entrySet()) {
            ObjectNode line = list.addObject().put("type", "line").put("name", s.getKey()).put("showSymbol", true);
            ArrayNode data = line.putArray("data");
            for (int i = 0; i < x.size() && i < s.getValue().size(); i++) {
                data.addArray().add(x.get(i)).add(s.getValue().get(i));
            }
        }
        return option;
    }

    private void bars(String id, String chartTitle, String yName, List<String> names, List<Double> values) {
        ObjectNode option = base(chartTitle);
        ObjectNode xAxis = option.putObject("xAxis").put("type", "category");
        // Every bar keeps its label (ECharts drops overlapping ones by default); long names are tilted.
        xAxis.putObject("axisLabel").put("interval", 0).put("rotate", names.size() > 6 ? 60 : 12);
        ArrayNode categories = xAxis.putArray("data");
        names.forEach(categories::add);
        option.putObject("yAxis").put("type", "value").put("name", yName);
        ArrayNode data = option.putArray("series").addObject().put("type", "bar").putArray("data");
        values.forEach(data::add);
        add(id, option);
    }

    private static ObjectNode scatter(String name, double[][] points, int size) {
        ObjectNode series = JSON.createObjectNode().put("type", "scatter").put("name", name).put("symbolSize", size);
        ArrayNode data = series.putArray("data");
        for (double[] p : points) {
            data.addArray().add(p[0]).add(p[1]);
        }
        return series;
    }

    private static ObjectNode base(String chartTitle) {
        ObjectNode option = JSON.createObjectNode();
        option.putObject("title").put("text", chartTitle).put("left", "center");
        option.putObject("tooltip").put("trigger", "item");
        option.putObject("legend").put("top", 28);
        option.putObject("grid").put("top", 70);
        return option;
    }

    /** Scalar fields as name/value rows; nested objects as dotted names, arrays of scalars joined. */
    static List<String[]> flatten(JsonNode node) {
        List<String[]> rows = new ArrayList<>();
        flatten("", node, rows);
        return rows;
    }

    private static void flatten(String prefix, JsonNode node, List<String[]> rows) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                flatten(prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey(), f.getValue(), rows);
            }
        } else if (node.isArray()) {
            boolean scalars = true;
            for (JsonNode element : node) {
                scalars &= element.isValueNode();
            }
            if (scalars) {
                List<String> values = new ArrayList<>();
                node.forEach(v -> values.add(format(v)));
                rows.add(new String[] {prefix, String.join(", ", values)});
            } else {
                int i = 0;
                for (JsonNode element : node) {
                    flatten(prefix + "[" + i++ + "]", element, rows);
                }
            }
        } else if (!node.isMissingNode()) {
            rows.add(new String[] {prefix, format(node)});
        }
    }

    private static List<String[]> scalars(JsonNode node, String... names) {
        List<String[]> rows = new ArrayList<>();
        for (String name : names) {
            JsonNode value = node.path(name);
            if (value.isValueNode()) {
                rows.add(new String[] {name, format(value)});
            }
        }
        return rows;
    }

    private static String format(JsonNode value) {
        if (value.isFloatingPointNumber()) {
            return String.format(Locale.ROOT, "%.4g", value.asDouble());
        }
        return value.asText();
    }

    private static String table(List<String[]> rows) {
        StringBuilder html = new StringBuilder("<table>");
        for (String[] row : rows) {
            html.append("<tr><th>").append(escape(row[0])).append("</th><td>").append(escape(row[1]))
                    .append("</td></tr>");
        }
        return html.append("</table>").toString();
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String echarts() {
        try (InputStream in = ReportPage.class.getClassLoader().getResourceAsStream(ECHARTS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("ECharts (" + ECHARTS_RESOURCE + ") is not on the class path; the "
                        + "launcher puts the org.webjars.npm:echarts jar there (job/target/lib)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
