package io.intentstream.job.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.intentstream.job.replay.NoRenameFileSystem;
import picocli.CommandLine;

class TrainEvaluateCommandTest {

    @TempDir
    static Path dir;

    private static Path data;

    /** 160 users walking 40 items in id order from a random start: strongly sequential. */
    @BeforeAll
    static void writeSequentialBenchmark() throws IOException {
        Random rng = new Random(11);
        List<String> lines = new ArrayList<>();
        for (int u = 1; u <= 160; u++) {
            int length = 5 + rng.nextInt(8);
            int start = u == 1 ? 40 - length : rng.nextInt(40);
            StringBuilder line = new StringBuilder().append(u);
            for (int i = 0; i < length; i++) {
                line.append(' ').append(1 + (start + i) % 40);
            }
            lines.add(line.toString());
        }
        data = dir.resolve("sequential.txt");
        Files.write(data, lines);
    }

    private record Run(int exitCode, String out, String err) {}

    private static Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void trainThenEvaluateReproducesTheTestMetricsExactly() throws IOException {
        Path out = dir.resolve("run");
        Run train = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--epochs", "2",
                "--seed", "3", "--out", out.toString(), "--batch-size", "32", "--clusters", "4", "--max-length", "8",
                "--hidden-size", "16", "--learning-rate", "0.01", "--device", "cpu", "--no-progress");
        assertThat(train.exitCode()).as(train.err()).isZero();
        assertThat(train.out()).contains("epoch 2:", "completed after 2 epochs");

        ObjectMapper json = new ObjectMapper();
        JsonNode results = json.readTree(out.resolve("results.json").toFile());
        assertThat(results.get("epochs_run").asInt()).isEqualTo(2);
        assertThat(results.get("config").get("clusters").asInt()).isEqualTo(4);
        assertThat(results.get("config").get("max_sequence_length").asInt()).isEqualTo(8);
        assertThat(results.at("/settings/training_windows").asText()).as("the beauty preset's").isEqualTo("ALL");

        Path metrics = dir.resolve("eval/metrics.json");
        Run evaluate = run(new EvaluateCommand(), "--data", data.toString(), "--model",
                out.resolve("best-model.bin").toString(), "--out", metrics.toString());
        assertThat(evaluate.exitCode()).as(evaluate.err()).isZero();
        JsonNode printed = json.readTree(evaluate.out());
        JsonNode written = json.readTree(metrics.toFile());
        assertThat(printed).isEqualTo(written);
        assertThat(written.get("test")).isEqualTo(results.get("test"));
        assertThat(written.get("valid").get("strict_protocol"))
                .isEqualTo(results.get("best_valid").get("strict_protocol"));
        assertThat(written.get("test").get("reference_protocol").get("users").asInt()).isEqualTo(160);
        JsonNode intents = written.get("intents");
        assertThat(intents).isEqualTo(results.get("intents"));
        assertThat(intents.get("clusters").asInt()).isEqualTo(4);
        assertThat(intents.get("users").asInt()).isEqualTo(160);
        assertThat(intents.get("used").asInt()).isBetween(1, 4);
        assertThat(intents.get("effective").asDouble()).isBetween(1.0, intents.get("used").asDouble());
        assertThat(intents.get("largest_share").asDouble()).isBetween(0.25, 1.0);

        Run validationOnly = run(new EvaluateCommand(), "--data", data.toString(), "--model",
                out.resolve("best-model.bin").toString(), "--no-test");
        assertThat(validationOnly.exitCode()).as(validationOnly.err()).isZero();
        JsonNode screened = json.readTree(validationOnly.out());
        assertThat(screened.get("test").isNull()).as("--no-test").isTrue();
        assertThat(screened.get("valid")).isEqualTo(written.get("valid"));
        assertThat(screened.get("intents")).isEqualTo(intents);

        Path otherCatalogue = dir.resolve("other.txt");
        Files.writeString(otherCatalogue, "1 1 2 3 4 45\n");
        Run mismatch = run(new EvaluateCommand(), "--data", otherCatalogue.toString(), "--model",
                out.resolve("best-model.bin").toString());
        assertThat(mismatch.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(mismatch.err()).contains("the model was trained for 40 items but " + otherCatalogue + " has 45");
    }

    @Test
    void aModelThatAveragesItsWeightsIsSelectedAndEvaluatedWithTheAverage() throws IOException {
        JsonNode results = trainAndEvaluateReproducesTheTest("averaged", "--weight-average-decay", "0.9");
        assertThat(results.at("/config/weight_average_decay").asDouble()).isCloseTo(0.9, within(1e-6));
    }

    @Test
    void aModelWithAnItemBiasIsSelectedAndEvaluatedWithIt() throws IOException {
        JsonNode results = trainAndEvaluateReproducesTheTest("biased", "--item-bias");
        assertThat(results.at("/config/item_bias").asBoolean()).isTrue();
    }

    /**
     * Trains a small model with {@code flags} on top of the beauty preset, checks that {@code evaluate} on its
     * best-model.bin gives exactly the test and validation metrics the run recorded, and returns the run's results.
     */
    private JsonNode trainAndEvaluateReproducesTheTest(String name, String... flags) throws IOException {
        Path out = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("--data", data.toString(), "--preset", "beauty", "--epochs",
                "2", "--seed", "3", "--out", out.toString(), "--batch-size", "32", "--clusters", "4",
                "--max-length", "8", "--hidden-size", "16", "--learning-rate", "0.01", "--device", "cpu",
                "--no-progress"));
        args.addAll(List.of(flags));
        Run train = run(new TrainCommand(), args.toArray(String[]::new));
        assertThat(train.exitCode()).as(train.err()).isZero();
        ObjectMapper json = new ObjectMapper();
        JsonNode results = json.readTree(out.resolve("results.json").toFile());

        Run evaluate = run(new EvaluateCommand(), "--data", data.toString(), "--model",
                out.resolve("best-model.bin").toString());
        assertThat(evaluate.exitCode()).as(evaluate.err()).isZero();
        JsonNode evaluated = json.readTree(evaluate.out());
        assertThat(evaluated.get("test")).isEqualTo(results.get("test"));
        assertThat(evaluated.get("valid").get("strict_protocol"))
                .isEqualTo(results.get("best_valid").get("strict_protocol"));
        return results;
    }

    @Test
    void trainExportsToFileSystemUrisWithoutRenamingAndEvaluateScoresTheSnapshotFromThere() throws IOException {
        Path out = dir.resolve("exporting");
        Path local = dir.resolve("export-file");
        String fileUri = local.toUri().toString();
        String storeUri = NoRenameFileSystem.uri(dir.resolve("export-store"));
        ObjectMapper json = new ObjectMapper();
        String[] options = {"--data", data.toString(), "--preset", "beauty", "--epochs", "1", "--seed", "5",
            "--batch-size", "32", "--clusters", "4", "--max-length", "8", "--hidden-size", "16", "--device", "cpu",
            "--no-progress"};

        Run toFile = run(new TrainCommand(), concat(options, "--out", out.toString(), "--export", fileUri));
        assertThat(toFile.exitCode()).as(toFile.err()).isZero();
        assertThat(toFile.out()).contains("best model exported to " + local + "/snapshot-");
        // The store refuses every rename: the export commits with its manifest, written last, as the job's does.
        Run toStore = run(new TrainCommand(), concat(options, "--out", out.toString(), "--resume", "--export",
                storeUri));
        assertThat(toStore.exitCode()).as(toStore.err()).isZero();
        assertThat(toStore.out()).containsPattern("best model exported to norename:/*"
                + java.util.regex.Pattern.quote(dir.resolve("export-store") + "/snapshot-"));

        JsonNode test = json.readTree(out.resolve("results.json").toFile()).get("test");
        assertThat(test).isNotNull();
        for (String model : List.of(fileUri, storeUri, local.toString())) {
            Run evaluate = run(new EvaluateCommand(), "--data", data.toString(), "--model", model);
            assertThat(evaluate.exitCode()).as(model + ": " + evaluate.err()).isZero();
            assertThat(json.readTree(evaluate.out()).get("test")).as(model).isEqualTo(test);
        }
    }

    @Test
    void aModelLocationWithoutItsFileSystemIsAUsageErrorBeforeAnyTraining() {
        Path out = dir.resolve("never-trained");
        Run train = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--out",
                out.toString(), "--export", "nosuchfs://bucket/models");
        assertThat(train.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(train.err()).contains("--export nosuchfs://bucket/models: ", "'nosuchfs'");
        assertThat(Files.exists(out)).isFalse();

        Run evaluate = run(new EvaluateCommand(), "--data", data.toString(), "--model", "nosuchfs://bucket/models");
        assertThat(evaluate.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(evaluate.err()).contains("--model nosuchfs://bucket/models: ", "'nosuchfs'");

        Run absent = run(new EvaluateCommand(), "--data", data.toString(), "--model",
                dir.resolve("no-such-export").toUri().toString());
        assertThat(absent.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(absent.err()).contains("No model snapshot at", "it does not exist");
    }

    @Test
    void missingDataFileIsAUsageErrorNamingTheFile() {
        Path absent = dir.resolve("absent.txt");
        Run r = run(new TrainCommand(), "--data", absent.toString(), "--preset", "beauty", "--out",
                dir.resolve("x").toString());
        assertThat(r.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(r.err()).contains("--data file not found: " + absent);
    }

    @Test
    void unknownPresetIsAUsageErrorListingTheKnownPresets() {
        Run r = run(new TrainCommand(), "--data", data.toString(), "--preset", "movies", "--out",
                dir.resolve("x").toString());
        assertThat(r.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(r.err()).contains("Unknown preset 'movies'; known presets: beauty, sports, toys, yelp");
        assertThat(Files.exists(dir.resolve("x"))).isFalse();
    }

    @Test
    void badEnumeratedValuesNameTheAcceptedOnes() {
        Run ablation = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--out", "o",
                "--ablation", "icl");
        assertThat(ablation.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(ablation.err()).contains("expected one of: sasrec, ccl, cluster, full");
        Run loss = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--out", "o",
                "--loss", "hinge");
        assertThat(loss.err()).contains("expected bce, softmax or sampled, got 'hinge'");
        Run device = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--out", "o",
                "--device", "tpu");
        assertThat(device.err()).contains("expected auto, cpu or gpu, got 'tpu'");
        Run positives = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--out", "o",
                "--positives", "dropout");
        assertThat(positives.err()).contains("expected augmented or same-target, got 'dropout'");
        Run windows = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--out", "o",
                "--windows", "first");
        assertThat(windows.err()).contains("expected last or all, got 'first'");
        Run withoutContrast = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--out", "o",
                "--positives", "same-target", "--ablation", "sasrec");
        assertThat(withoutContrast.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(withoutContrast.err()).contains("need an ablation that trains it (full or ccl), not sasrec");
    }

    @Test
    void invalidScheduleAndModelOverridesAreUsageErrors() {
        Run epochs = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--out", "o",
                "--epochs", "0");
        assertThat(epochs.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(epochs.err()).contains("epochs must be at least 1, got 0");
        Run heads = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--out",
                dir.resolve("y").toString(), "--hidden-size", "15");
        assertThat(heads.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(heads.err()).contains("Invalid model setting: heads must divide hiddenSize");
        Run factor = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--out", "o",
                "--lr-decays", "2", "--lr-decay-factor", "1.5");
        assertThat(factor.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(factor.err()).contains("the learning rate's decay factor must be in (0, 1), got 1.5");
        Run decays = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--out", "o",
                "--lr-decays", "-1");
        assertThat(decays.err()).contains("the learning rate's decays must be 0 or more, got -1");
    }

    @Test
    void malformedDataFileIsAUsageErrorWithTheLine() throws IOException {
        Path bad = dir.resolve("bad.txt");
        Files.writeString(bad, "1 1 2 3 4\n2 5 x 7\n");
        Run r = run(new TrainCommand(), "--data", bad.toString(), "--preset", "toys", "--out",
                dir.resolve("z").toString());
        assertThat(r.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(r.err()).contains("Invalid data file: " + bad + " line 2: item id 'x' is not an integer");
    }

    @Test
    void evaluateRejectsMissingAndCorruptModelFiles() throws IOException {
        Path absent = dir.resolve("none.bin");
        Run missing = run(new EvaluateCommand(), "--data", data.toString(), "--model", absent.toString());
        assertThat(missing.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(missing.err()).contains("--model file not found: " + absent);

        Path corrupt = dir.resolve("corrupt.bin");
        Files.write(corrupt, new byte[] {0, 0, 0, 9, 1, 2, 3});
        Run broken = run(new EvaluateCommand(), "--data", data.toString(), "--model", corrupt.toString());
        assertThat(broken.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(broken.err()).contains("--model " + corrupt + " is not a model snapshot");

        Run noData = run(new EvaluateCommand(), "--data", dir.resolve("gone.txt").toString(), "--model",
                corrupt.toString());
        assertThat(noData.err()).contains("--data file not found");
    }

    @Test
    void compareTabulatesAndPlotsTrainRunsWithAMeanOverSeeds() throws IOException {
        String[] options = {"--data", data.toString(), "--preset", "beauty", "--epochs", "1", "--batch-size", "32",
                "--clusters", "4", "--max-length", "8", "--hidden-size", "16", "--device", "cpu", "--no-progress",
                "--ablation", "sasrec"};
        Path seed1 = dir.resolve("compare-seed1");
        Path seed2 = dir.resolve("compare-seed2");
        Path wider = dir.resolve("compare-wider");
        assertThat(run(new TrainCommand(), concat(options, "--seed", "1", "--out", seed1.toString())).exitCode())
                .isZero();
        assertThat(run(new TrainCommand(), concat(options, "--seed", "2", "--out", seed2.toString())).exitCode())
                .isZero();
        assertThat(run(new TrainCommand(), concat(options, "--seed", "1", "--heads", "4", "--no-test", "--out",
                wider.toString())).exitCode()).isZero();
        Path plot = dir.resolve("compare/curves.png");
        Path table = dir.resolve("compare/table.md");

        Run compare = run(new CompareCommand(), seed1.toString(), seed2.resolve("results.json").toString(),
                "four heads=" + wider, "--plot", plot.toString(), "--out", table.toString());

        assertThat(compare.exitCode()).as(compare.err()).isZero();
        assertThat(compare.out()).contains("| compare-seed1 | (the first) | 1 | 1 (1) |", "| compare-seed2 | — | 2 |",
                "| four heads | heads 4 | 1 |", "not read",
                "| **mean ± half-range, 2 seeds (compare-seed1, compare-seed2)** |");
        assertThat(Files.readString(table)).isEqualTo(compare.out());
        assertThat(Files.size(plot)).isPositive();
        Run tooLate = run(new CompareCommand(), seed1.toString(), "--plot", dir.resolve("compare/late.png")
                .toString(), "--plot-from", "2");
        assertThat(tooLate.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(tooLate.err()).contains("--plot-from: no run has a validated epoch from epoch 2 on");

        Run clash = run(new CompareCommand(), seed1.toString(), "compare-seed1=" + seed2);
        assertThat(clash.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(clash.err()).contains("two runs are labelled 'compare-seed1'");
        Run missing = run(new CompareCommand(), dir.resolve("no-such-run").toString());
        assertThat(missing.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(missing.err()).contains("no results.json at");
    }

    @Test
    void trainRefusesAnExistingRunAndResumesItWithResume() throws IOException {
        Path out = dir.resolve("resumable");
        String[] options = {"--data", data.toString(), "--preset", "beauty", "--seed", "3", "--out", out.toString(),
                "--batch-size", "32", "--clusters", "4", "--max-length", "8", "--hidden-size", "16", "--device", "cpu",
                "--no-progress", "--ablation", "sasrec"};
        Run first = run(new TrainCommand(), concat(options, "--epochs", "1"));
        assertThat(first.exitCode()).as(first.err()).isZero();

        Run again = run(new TrainCommand(), concat(options, "--epochs", "2"));
        assertThat(again.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(again.err()).contains("already holds a run", "--resume");

        // The plateau decay, like the patience, only decides what happens at a plateau: it may change on resume.
        Run resumed = run(new TrainCommand(), concat(options, "--epochs", "2", "--resume", "--lr-decays", "3",
                "--lr-decay-factor", "0.5"));
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resuming after epoch 1", "epoch 2:").doesNotContain("epoch 1:");
        JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(results.get("epochs_run").asInt()).isEqualTo(2);
        assertThat(results.at("/settings/plateau_decay/times").asInt()).isEqualTo(3);
        assertThat(results.at("/settings/plateau_decay/factor").asDouble()).isEqualTo(0.5);
        assertThat(results.get("learning_rate_drops")).isEmpty();
        assertThat(results.get("valid")).hasSize(2);

        // Resumed without a decay, the run keeps its own rather than the preset's default.
        Run again3 = run(new TrainCommand(), concat(options, "--epochs", "3", "--resume"));
        assertThat(again3.exitCode()).as(again3.err()).isZero();
        JsonNode kept = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(kept.get("epochs_run").asInt()).isEqualTo(3);
        assertThat(kept.at("/settings/plateau_decay/times").asInt()).isEqualTo(3);
        assertThat(kept.at("/settings/plateau_decay/factor").asDouble()).isEqualTo(0.5);
        assertThat(kept.get("valid")).hasSize(3);
    }

    @Test
    void theBeautyPresetRefitsAfterEpoch20UnlessToldAndAResumeKeepsTheRunsOwn() throws IOException {
        String[] options = {"--data", data.toString(), "--preset", "beauty", "--seed", "3", "--batch-size", "32",
                "--clusters", "4", "--max-length", "8", "--hidden-size", "16", "--device", "cpu", "--no-progress",
                "--no-test"};
        Path preset = dir.resolve("refit-preset");
        Run presetRun = run(new TrainCommand(), concat(options, "--out", preset.toString(), "--epochs", "1"));
        assertThat(presetRun.exitCode()).as(presetRun.err()).isZero();
        assertThat(centreRefitEpochOf(preset)).isEqualTo(20);

        Path sasrec = dir.resolve("refit-preset-sasrec");
        Run sasrecRun = run(new TrainCommand(), concat(options, "--out", sasrec.toString(), "--epochs", "1",
                "--ablation", "sasrec"));
        assertThat(sasrecRun.exitCode()).as("no centres, so no refit by default: " + sasrecRun.err()).isZero();
        assertThat(centreRefitEpochOf(sasrec)).isZero();

        // A run started without the refit (as every beauty run before the preset had it) resumes as it was started.
        Path never = dir.resolve("refit-never");
        Run neverRun = run(new TrainCommand(), concat(options, "--out", never.toString(), "--epochs", "1",
                "--refit-centres-after", "0"));
        assertThat(neverRun.exitCode()).as(neverRun.err()).isZero();
        Run resumed = run(new TrainCommand(), concat(options, "--out", never.toString(), "--resume", "--epochs", "2"));
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resuming after epoch 1", "epoch 2:");
        assertThat(centreRefitEpochOf(never)).isZero();
    }

    private static int centreRefitEpochOf(Path run) throws IOException {
        return new ObjectMapper().readTree(run.resolve("results.json").toFile()).at("/settings/centre_refit_epoch")
                .asInt(-1);
    }

    @Test
    void objectiveOverridesReachTheTrainedModelsConfig() throws IOException {
        Path out = dir.resolve("overrides");
        Run train = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--epochs", "1",
                "--out", out.toString(), "--batch-size", "32", "--clusters", "4", "--max-length", "8",
                "--hidden-size", "16", "--device", "cpu", "--no-progress", "--cluster-loss-weight", "0.5",
                "--sequence-contrast-weight", "0.2", "--intent-contrast-weight", "0.3", "--contrast-similarity",
                "cosine", "--temperature", "0.25", "--positives", "same-target", "--windows", "all");
        assertThat(train.exitCode()).as(train.err()).isZero();
        JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(results.at("/settings/contrast_positives").asText()).isEqualTo("SAME_TARGET");
        assertThat(results.at("/settings/training_windows").asText()).isEqualTo("ALL");
        assertThat(results.at("/settings/plateau_decay/times").asInt()).as("the beauty preset's").isEqualTo(1);
        JsonNode config = results.get("config");
        assertThat(config.get("cluster_loss_weight").asDouble()).isEqualTo(0.5);
        assertThat(config.get("sequence_contrast_weight").asDouble()).isCloseTo(0.2, within(1e-6));
        assertThat(config.get("intent_contrast_weight").asDouble()).isCloseTo(0.3, within(1e-6));
        assertThat(config.get("contrast_similarity").asText()).isEqualTo("COSINE");
        assertThat(config.get("temperature").asDouble()).isEqualTo(0.25);

        Path encoderOut = dir.resolve("encoder-overrides");
        Run encoder = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--epochs", "1",
                "--out", encoderOut.toString(), "--batch-size", "32", "--clusters", "4", "--max-length", "8",
                "--hidden-size", "16", "--device", "cpu", "--no-progress", "--no-test", "--layers", "2", "--heads",
                "4", "--hidden-dropout", "0.3", "--attention-dropout", "0.2", "--fusion", "concat",
                "--positions", "from-start");
        assertThat(encoder.exitCode()).as(encoder.err()).isZero();
        JsonNode encoderConfig = new ObjectMapper().readTree(encoderOut.resolve("results.json").toFile()).get("config");
        assertThat(encoderConfig.get("layers").asInt()).isEqualTo(2);
        assertThat(encoderConfig.get("heads").asInt()).isEqualTo(4);
        assertThat(encoderConfig.get("hidden_dropout").asDouble()).isCloseTo(0.3, within(1e-6));
        assertThat(encoderConfig.get("attention_dropout").asDouble()).isCloseTo(0.2, within(1e-6));
        assertThat(encoderConfig.get("fusion").asText()).isEqualTo("CONCAT");
        assertThat(encoderConfig.get("position_encoding").asText()).isEqualTo("FROM_START");

        Path sampledOut = dir.resolve("sampled");
        Run sampled = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--epochs", "1",
                "--out", sampledOut.toString(), "--batch-size", "32", "--clusters", "4", "--max-length", "8",
                "--hidden-size", "16", "--device", "cpu", "--no-progress", "--loss", "sampled",
                "--sampled-negatives", "5", "--no-test");
        assertThat(sampled.exitCode()).as(sampled.err()).isZero();
        assertThat(sampled.out()).contains("test split not read");
        JsonNode sampledResults = new ObjectMapper().readTree(sampledOut.resolve("results.json").toFile());
        assertThat(sampledResults.get("test").isNull()).as("--no-test").isTrue();
        assertThat(sampledResults.at("/intents/users").asInt()).as("intents without test").isEqualTo(160);
        assertThat(sampled.out()).contains("intents of the best model", "centres hold users");

        Path refitOut = dir.resolve("refit");
        Run refit = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--epochs", "2",
                "--out", refitOut.toString(), "--batch-size", "32", "--clusters", "4", "--max-length", "8",
                "--hidden-size", "16", "--device", "cpu", "--no-progress", "--no-test", "--refit-centres-after", "1");
        assertThat(refit.exitCode()).as(refit.err()).isZero();
        assertThat(refit.out()).contains("centres refitted after epoch 1");
        assertThat(new ObjectMapper().readTree(refitOut.resolve("results.json").toFile())
                .at("/settings/centre_refit_epoch").asInt()).isEqualTo(1);
        Run refitWithoutCentres = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--out",
                dir.resolve("refit-sasrec").toString(), "--ablation", "sasrec", "--refit-centres-after", "1");
        assertThat(refitWithoutCentres.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(refitWithoutCentres.err()).contains("refitting the centres needs an ablation that uses them");
        JsonNode sampledConfig = sampledResults.get("config");
        assertThat(sampledConfig.get("next_item_loss").asText()).isEqualTo("SAMPLED_SOFTMAX");
        assertThat(sampledConfig.get("sampled_negatives").asInt()).isEqualTo(5);

        Run invalid = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--out",
                dir.resolve("invalid").toString(), "--contrast-similarity", "euclid");
        assertThat(invalid.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(invalid.err()).contains("expected dot or cosine");
        Run invalidFusion = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--out",
                dir.resolve("invalid-fusion").toString(), "--fusion", "sum");
        assertThat(invalidFusion.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(invalidFusion.err()).contains("expected shift or concat, got 'sum'");
        Run invalidDropout = run(new TrainCommand(), "--data", data.toString(), "--preset", "beauty", "--out",
                dir.resolve("invalid-dropout").toString(), "--hidden-dropout", "1");
        assertThat(invalidDropout.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(invalidDropout.err()).contains("Invalid model setting: hiddenDropout must be in [0,1)");
    }

    private static String[] concat(String[] options, String... more) {
        String[] all = java.util.Arrays.copyOf(options, options.length + more.length);
        System.arraycopy(more, 0, all, options.length, more.length);
        return all;
    }
}
