package io.intentstream.model.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunComparisonTest {

    @TempDir
    Path dir;

    @Test
    void tableNamesEachRunsChangesAndAveragesTheSeedsOfOneRecipe() throws IOException {
        Map<String, Path> runs = new LinkedHashMap<>();
        runs.put("s42", write("s42", withIntents(results(42, 1, 0.0785,
                new double[] {0.0676, 0.1244, 0.0491, 0.0652}), 3.0, 0.5)));
        runs.put("s43", write("s43", withIntents(results(43, 1, 0.0787,
                new double[] {0.0664, 0.1256, 0.0485, 0.0650}), 4.0, 0.4)));
        runs.put("layers 2", write("l2", results(42, 2, 0.0790, null)));

        String table = RunComparison.read(runs).markdownTable();

        assertThat(table.lines()).hasSize(2 + 3 + 1);
        assertThat(table).contains("| s42 | (the first) | 42 | 3 (2) | 150 | 0.1500 | 0.0785 | 3.0 of 8 (50%) | "
                + "0.0676 | 0.1244 | 0.0491 | 0.0652 |");
        assertThat(table).contains("| s43 | — | 43 |");
        assertThat(table).contains("| layers 2 | layers 2 | 42 |");
        assertThat(table).contains("| not read | not read | not read | not read |");
        // Only s42 and s43 share a recipe: their mean row, and none for the single run with two layers.
        assertThat(table).contains("| **mean ± half-range, 2 seeds (s42, s43)** | | | | 150 | 0.1500 ± 0.0000 | "
                + "0.0786 ± 0.0001 | 3.5 ± 0.5 | 0.0670 ± 0.0006 | 0.1250 ± 0.0006 | 0.0488 ± 0.0003 | "
                + "0.0651 ± 0.0001 |");
    }

    @Test
    void aStrictProtocolThatDiffersIsShownBesideTheReference() throws IOException {
        ObjectNode run = results(42, 1, 0.0785, new double[] {0.0676, 0.1244, 0.0491, 0.0652});
        ((ObjectNode) run.path("test").path("strict_protocol")).put("hr@20", 0.1301);

        String table = RunComparison.read(Map.of("run", write("run", run))).markdownTable();

        assertThat(table).contains("| 0.1244 (strict 0.1301) |");
    }

    @Test
    void settingsAddedSinceARunWasWrittenCountAtTheValueItTrainedWith() throws IOException {
        ObjectNode today = results(42, 1, 0.0785, null);
        ((ObjectNode) today.get("config")).put("position_encoding", "WINDOW").put("low_pass_weight", 0.0)
                .put("low_pass_cutoff", 5);
        ((ObjectNode) today.get("settings")).put("contrast_positives", "AUGMENTED").putObject("plateau_decay")
                .put("times", 0).put("factor", 0.1);
        ObjectNode filtered = today.deepCopy();
        ((ObjectNode) filtered.get("config")).put("low_pass_weight", 0.7);
        ObjectNode paired = today.deepCopy();
        ((ObjectNode) paired.get("settings")).put("contrast_positives", "SAME_TARGET");
        Map<String, Path> runs = new LinkedHashMap<>();
        runs.put("older", write("older", results(42, 1, 0.0785, null)));
        runs.put("today", write("today", today));
        runs.put("filtered", write("filtered", filtered));
        runs.put("paired", write("paired", paired));
        ObjectNode decayed = today.deepCopy();
        ((ObjectNode) decayed.at("/settings/plateau_decay")).put("times", 2);
        runs.put("decayed", write("decayed", decayed));

        String table = RunComparison.read(runs).markdownTable();

        assertThat(table).contains("| today | — | 42 |");
        assertThat(table).contains("| filtered | low_pass_weight 0.7 | 42 |");
        assertThat(table).contains("| paired | contrast_positives SAME_TARGET | 42 |");
        assertThat(table).contains("| decayed | plateau_decay {\"times\":2,\"factor\":0.1} | 42 |");
    }

    @Test
    void resultsWithoutCpuTimesStillCompare() throws IOException {
        ObjectNode old = results(42, 1, 0.0785, null);
        for (var epoch : old.get("epochs")) {
            ((ObjectNode) epoch).remove("cpu_seconds");
        }

        String table = RunComparison.read(Map.of("old", write("old", old))).markdownTable();

        assertThat(table).contains("| old | (the first) | 42 | 3 (2) | — |");
        assertThat(table).as("a run from before intents were reported").contains("| 0.0785 | — |");
    }

    @Test
    void plotIsAPngOfBothPanels() throws IOException {
        Path png = dir.resolve("compare.png");
        RunComparison comparison = RunComparison.read(Map.of("a", write("a", results(42, 1, 0.07, null))));
        comparison.writePlot(png);

        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        assertThat(bytes.length).isGreaterThan(10_000);

        RunComparison.Run run = new RunComparison.Run("a", results(42, 1, 0.07, null));
        assertThat(RunComparison.validatedFrom(run, 2)).extracting(v -> v.path("epoch").asInt()).containsExactly(2, 3);
        assertThat(RunComparison.validatedFrom(run, 4)).isEmpty();
        Path zoomed = dir.resolve("compare-from-2.png");
        comparison.writePlot(zoomed, 2);
        assertThat(Files.readAllBytes(zoomed)).isNotEqualTo(bytes);
        assertThatThrownBy(() -> comparison.writePlot(zoomed, 4))
                .hasMessage("no run has a validated epoch from epoch 4 on");
    }

    @Test
    void refusesWhatIsNotTwoDistinctTrainRuns() throws IOException {
        Path notResults = dir.resolve("other.json");
        Files.writeString(notResults, "{\"e2e_events_per_second\": 1}");
        assertThatThrownBy(() -> RunComparison.read(Map.of("x", notResults)))
                .hasMessageContaining("not a train run's results.json");
        Path truncated = dir.resolve("truncated.json");
        Files.writeString(truncated, "{\"valid\": [");
        assertThatThrownBy(() -> RunComparison.read(Map.of("x", truncated)))
                .hasMessageContaining("truncated.json is not valid JSON");
        assertThatThrownBy(() -> RunComparison.read(Map.of("x", dir.resolve("missing"))))
                .hasMessageContaining("no results.json at");
        var run = new RunComparison.Run("same", results(42, 1, 0.07, null));
        assertThatThrownBy(() -> new RunComparison(List.of(run, run))).hasMessageContaining("labelled 'same'");
    }

    private static ObjectNode withIntents(ObjectNode results, double effective, double largestShare) {
        results.putObject("intents").put("clusters", 8).put("users", 100).put("used", 5)
                .put("effective", effective).put("largest_share", largestShare);
        return results;
    }

    /** A results.json of three validated epochs, the best the second, with test metrics when given. */
    private static ObjectNode results(long seed, int layers, double bestNdcg20, double[] test) {
        ObjectNode root = OfflineJson.mapper().createObjectNode();
        root.put("preset", "beauty").put("ablation", "FULL").put("dataset", "/data/Beauty.txt").put("seed", seed)
                .put("status", "early_stopped").put("epochs_run", 3).put("best_epoch", 2);
        ArrayNode valid = root.putArray("valid");
        ArrayNode epochs = root.putArray("epochs");
        for (int epoch = 1; epoch <= 3; epoch++) {
            double ndcg20 = epoch == 2 ? bestNdcg20 : bestNdcg20 - 0.01;
            valid.add(metrics(0.05, 0.15, 0.04, ndcg20).put("epoch", epoch));
            epochs.addObject().put("epoch", epoch).put("cpu_seconds", 50.0);
        }
        root.set("best_valid", valid.get(1));
        if (test == null) {
            root.putNull("test");
        } else {
            ObjectNode testNode = root.putObject("test");
            testNode.set("reference_protocol", metrics(test[0], test[1], test[2], test[3]));
            testNode.set("strict_protocol", metrics(test[0], test[1], test[2], test[3]));
        }
        root.putObject("settings").put("preset", "beauty").put("ablation", "FULL").put("epochs", 300)
                .put("patience", 10).put("seed", seed).put("batch_size", 256);
        root.putObject("config").put("layers", layers).put("heads", 2).put("seed", seed)
                .put("cluster_loss_weight", 0.1);
        return root;
    }

    private static ObjectNode metrics(double hr5, double hr20, double ndcg5, double ndcg20) {
        return OfflineJson.mapper().createObjectNode().put("hr@5", hr5).put("hr@20", hr20).put("ndcg@5", ndcg5)
                .put("ndcg@20", ndcg20);
    }

    private Path write(String name, ObjectNode results) throws IOException {
        Path runDir = Files.createDirectories(dir.resolve(name));
        OfflineJson.write(runDir.resolve("results.json"), results);
        return runDir;
    }
}
