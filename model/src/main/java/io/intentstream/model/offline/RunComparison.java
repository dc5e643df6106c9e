package io.intentstream.model.offline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Several {@code train} runs side by side, from their results.json files: one markdown table (what each run changed
 * against the first, its cost, its best validation and, once read, its test metrics), a mean ± half-range row for
 * every group of runs that differ only in their seed, and a plot of the validation curves.
 *
 * <p>It reads the JSON as a tree rather than as {@link TrainingReport}, so that results written by older versions,
 * which lack some of today's fields, still compare.
 */
public final class RunComparison {

    /** Settings that say how long or how visibly a run went, not what it trained: never a difference. */
    private static final Set<String> SCHEDULE_SETTINGS = Set.of("epochs", "patience", "eval_every", "show_progress");

    private static final String[] METRICS = {"hr@5", "hr@20", "ndcg@5", "ndcg@20"};

    /** A run's label and its parsed results.json. */
    public record Run(String label, JsonNode results) {

        public Run {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(results, "results");
            if (!results.path("valid").isArray()) {
                throw new IllegalArgumentException(label + " is not a train run's results.json (no 'valid' list)");
            }
        }

        /** What the run trained: its model config and settings, seed and schedule left out. */
        Map<String, String> recipe() {
            Map<String, String> recipe = new LinkedHashMap<>();
            recipe.put("dataset", Path.of(results.path("dataset").asText("")).getFileName().toString());
            addFields(recipe, SettingsOfOlderRuns.trainingSettingsOf(results),
                    key -> !SCHEDULE_SETTINGS.contains(key) && !key.equals("seed"));
            JsonNode config = results.path("config");
            if (config instanceof ObjectNode stored) {
                // Runs written before a setting existed differ from today's only where they trained differently.
                config = SettingsOfOlderRuns.fillAbsent(stored.deepCopy());
            }
            addFields(recipe, config, key -> !key.equals("seed"));
            return recipe;
        }

        long seed() {
            return results.path("seed").asLong();
        }

        int bestEpoch() {
            return results.path("best_epoch").asInt();
        }

        /** CPU seconds of all epochs, or NaN when the file predates their recording. */
        double cpuSeconds() {
            double sum = 0;
            for (JsonNode epoch : results.path("epochs")) {
                if (!epoch.has("cpu_seconds")) {
                    return Double.NaN;
                }
                sum += epoch.path("cpu_seconds").asDouble();
            }
            return sum;
        }

        JsonNode bestValid() {
            return results.path("best_valid");
        }

        /** The test block of {@code protocol} ({@code reference_protocol} or {@code strict_protocol}), or null. */
        JsonNode test(String protocol) {
            JsonNode test = results.path("test");
            return test.isObject() ? test.path(protocol) : null;
        }

        private static void addFields(Map<String, String> into, JsonNode object, Predicate<String> keep) {
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (keep.test(field.getKey())) {
                    // A setting that is an object (the plateau decay) as its JSON: asText would give "".
                    JsonNode value = field.getValue();
                    into.put(field.getKey(), value.isContainerNode() ? value.toString() : value.asText());
                }
            }
        }
    }

    private final List<Run> runs;

    public RunComparison(List<Run> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no runs to compare");
        }
        Set<String> labels = new LinkedHashSet<>();
        for (Run run : runs) {
            if (!labels.add(run.label())) {
                throw new IllegalArgumentException("two runs are labelled '" + run.label() + "'; label them apart");
            }
        }
        this.runs = List.copyOf(runs);
    }

    /** Reads {@code label -> results.json or a run directory holding one}, in the given order. */
    public static RunComparison read(Map<String, Path> labelledRuns) throws IOException {
        List<Run> runs = new ArrayList<>();
        for (Map.Entry<String, Path> entry : labelledRuns.entrySet()) {
            Path file = Files.isDirectory(entry.getValue()) ? entry.getValue().resolve("results.json") : entry.getValue();
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("no results.json at " + entry.getValue());
            }
            JsonNode results;
            try {
                results = OfflineJson.mapper().readTree(file.toFile());
            } catch (JsonProcessingException e) {
                // A results.json being rewritten is replaced in one rename, so a parse error means a damaged file.
                throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
            }
            runs.add(new Run(entry.getKey(), results));
        }
        return new RunComparison(runs);
    }

    public List<Run> runs() {
        return runs;
    }

    /**
     * The comparison as a markdown table. Test columns hold the reference protocol, followed by the strict one
     * where it differs at four decimals, and "not read" for runs whose test split is still unread.
     */
    public String markdownTable() {
        StringBuilder table = new StringBuilder();
        table.append("| run | differs from the first run | seed | epochs (best) | CPU s | valid HR@20 | valid NDCG@20 "
                + "| intents: effective of k (largest) | test HR@5 | test HR@20 | test NDCG@5 | test NDCG@20 |\n");
        table.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        Map<String, String> baseline = runs.get(0).recipe();
        for (Run run : runs) {
            table.append("| ").append(run.label())
                    .append(" | ").append(run == runs.get(0) ? "(the first)" : differences(baseline, run.recipe()))
                    .append(" | ").append(run.seed())
                    .append(" | ").append(run.results().path("epochs_run").asInt()).append(" (")
                    .append(run.bestEpoch()).append(")")
                    .append(" | ").append(Double.isNaN(run.cpuSeconds())
                            ? "—" : String.format(Locale.ROOT, "%,.0f", run.cpuSeconds()))
                    .append(" | ").append(decimal(run.bestValid().path("hr@20")))
                    .append(" | ").append(decimal(run.bestValid().path("ndcg@20")))
                    .append(" | ").append(intentsCell(run));
            for (String metric : METRICS) {
                table.append(" | ").append(testCell(run, metric));
            }
            table.append(" |\n");
        }
        for (List<Run> group : seedGroups()) {
            table.append(meanRow(group));
        }
        return table.toString();
    }

    /** Runs with the same recipe and different seeds, for every such group of two or more, in first-seen order. */
    List<List<Run>> seedGroups() {
        Map<Map<String, String>, List<Run>> byRecipe = new LinkedHashMap<>();
        for (Run run : runs) {
            byRecipe.computeIfAbsent(run.recipe(), r -> new ArrayList<>()).add(run);
        }
        List<List<Run>> groups = new ArrayList<>();
        for (List<Run> group : byRecipe.values()) {
            if (group.size() >= 2 && group.stream().map(Run::seed).distinct().count() == group.size()) {
                groups.add(group);
            }
        }
        return groups;
    }

    /** Validation NDCG@20 (left) and HR@20 (right) per validated epoch, one line per run. */
    public void writePlot(Path file) throws IOException {
        writePlot(file, 1);
    }

    /**
     * The same from epoch {@code fromEpoch} on: runs that differ on their plateau by a fraction of their climb look
     * the same on an axis that holds the whole climb.
     *
     * @throws IllegalArgumentException if no run has a validated epoch that late
     */
    public void writePlot(Path file, int fromEpoch) throws IOException {
        Map<Run, List<JsonNode>> shownByRun = new LinkedHashMap<>();
        runs.forEach(run -> shownByRun.put(run, validatedFrom(run, fromEpoch)));
        if (shownByRun.values().stream().allMatch(List::isEmpty)) {
            throw new IllegalArgumentException("no run has a validated epoch from epoch " + fromEpoch + " on");
        }
        TrainingPlot.useHeadlessAwt();
        XYChart ndcg = TrainingPlot.chart("Validation NDCG@20", "NDCG@20");
        XYChart hr = TrainingPlot.chart("Validation HR@20", "HR@20");
        for (Map.Entry<Run, List<JsonNode>> entry : shownByRun.entrySet()) {
            Run run = entry.getKey();
            List<JsonNode> shown = entry.getValue();
            if (shown.isEmpty()) {
                continue;
            }
            double[] epochs = shown.stream().mapToDouble(v -> v.path("epoch").asDouble()).toArray();
            ndcg.addSeries(run.label(), epochs, shown.stream().mapToDouble(v -> v.path("ndcg@20").asDouble())
                    .toArray()).setMarker(SeriesMarkers.CIRCLE);
            hr.addSeries(run.label(), epochs, shown.stream().mapToDouble(v -> v.path("hr@20").asDouble())
                    .toArray()).setMarker(SeriesMarkers.CIRCLE);
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(List.of(ndcg, hr), 1, 2, png, BitmapEncoder.BitmapFormat.PNG);
        OfflineJson.writeAtomically(file, png.toByteArray());
    }

    /** The run's validation records of epoch {@code fromEpoch} and later. */
    static List<JsonNode> validatedFrom(Run run, int fromEpoch) {
        List<JsonNode> shown = new ArrayList<>();
        for (JsonNode validated : run.results().path("valid")) {
            if (validated.path("epoch").asInt() >= fromEpoch) {
                shown.add(validated);
            }
        }
        return shown;
    }

    private static String meanRow(List<Run> group) {
        StringBuilder row = new StringBuilder("| **mean ± half-range, ")
                .append(group.size()).append(" seeds (")
                .append(String.join(", ", group.stream().map(Run::label).toList()))
                .append(")** | | | | ");
        double cpu = group.stream().mapToDouble(Run::cpuSeconds).sum() / group.size();
        row.append(Double.isNaN(cpu) ? "—" : String.format(Locale.ROOT, "%,.0f", cpu));
        row.append(" | ").append(spread(group, run -> run.bestValid().path("hr@20")));
        row.append(" | ").append(spread(group, run -> run.bestValid().path("ndcg@20")));
        boolean allWithIntents = group.stream().allMatch(run -> run.results().path("intents").isObject());
        row.append(" | ").append(allWithIntents
                ? spread(group, run -> run.results().path("intents").path("effective"), 1) : "—");
        boolean allTested = group.stream().allMatch(run -> run.test("reference_protocol") != null);
        for (String metric : METRICS) {
            row.append(" | ").append(allTested
                    ? spread(group, run -> run.test("reference_protocol").path(metric)) : "—");
        }
        return row.append(" |\n").toString();
    }

    private static String spread(List<Run> group, Function<Run, JsonNode> value) {
        return spread(group, value, 4);
    }

    private static String spread(List<Run> group, Function<Run, JsonNode> value, int decimals) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (Run run : group) {
            double v = value.apply(run).asDouble(Double.NaN);
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
        }
        String format = "%." + decimals + "f";
        return String.format(Locale.ROOT, format + " ± " + format, sum / group.size(), (max - min) / 2);
    }

    /** How the run's users spread over its intents (results.json {@code intents}); "—" for runs without it. */
    private static String intentsCell(Run run) {
        JsonNode intents = run.results().path("intents");
        if (!intents.isObject()) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.1f of %d (%.0f%%)", intents.path("effective").asDouble(),
                intents.path("clusters").asInt(), 100 * intents.path("largest_share").asDouble());
    }

    private static String testCell(Run run, String metric) {
        JsonNode reference = run.test("reference_protocol");
        if (reference == null) {
            return "not read";
        }
        String cell = decimal(reference.path(metric));
        String strict = decimal(run.test("strict_protocol").path(metric));
        return strict.equals(cell) ? cell : cell + " (strict " + strict + ")";
    }

    private static String differences(Map<String, String> baseline, Map<String, String> recipe) {
        List<String> changed = new ArrayList<>();
        Set<String> keys = new LinkedHashSet<>(baseline.keySet());
        keys.addAll(recipe.keySet());
        for (String key : keys) {
            String was = baseline.get(key);
            String is = recipe.get(key);
            if (!Objects.equals(was, is)) {
                changed.add(key + " " + (is == null ? "(absent)" : is));
            }
        }
        return changed.isEmpty() ? "—" : String.join(", ", changed);
    }

    private static String decimal(JsonNode value) {
        return value.isNumber() ? String.format(Locale.ROOT, "%.4f", value.asDouble()) : "—";
    }
}
