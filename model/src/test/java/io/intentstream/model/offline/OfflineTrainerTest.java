package io.intentstream.model.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.intentstream.model.ContrastSimilarity;
import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.ElcRecModel;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.NextItemLossType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OfflineTrainerTest {

    private static final int ITEMS = 50;

    @TempDir
    static Path dir;

    private static BenchmarkDataset data;
    private static ElcRecConfig config;
    private static TrainingReport report;
    private static String log;

    /** Trains once (3 epochs of a tiny model) and lets every test inspect the outputs. */
    @BeforeAll
    static void trainTinyModel() throws IOException {
        data = BenchmarkDataset.of("sequential", SequentialBenchmark.generate(240, ITEMS, 6, 14, 3L));
        TrainingSettings settings = settings(3, dir.resolve("run"));
        config = settings.modelConfig(data.itemCount()).toBuilder()
                .maxSequenceLength(10).hiddenSize(16).clusters(4).learningRate(1e-2f)
                .hiddenDropout(0.1f).attentionDropout(0.1f).clusterLossWeight(1f)
                .build();
        StringWriter out = new StringWriter();
        report = new OfflineTrainer(settings, config, data, new PrintWriter(out), System.err).run();
        log = out.toString();
    }

    @Test
    void resultsJsonHasEveryRequiredKey() throws IOException {
        JsonNode json = OfflineJson.mapper().readTree(dir.resolve("run/results.json").toFile());
        assertThat(json.get("preset").asText()).isEqualTo("beauty");
        assertThat(json.get("ablation").asText()).isEqualTo("full");
        assertThat(json.get("dataset").asText()).isEqualTo("sequential");
        assertThat(json.get("seed").asLong()).isEqualTo(5L);
        assertThat(json.get("status").asText()).isEqualTo("completed");
        assertThat(json.get("epochs_run").asInt()).isEqualTo(3);
        assertThat(json.get("best_epoch").asInt()).isBetween(1, 3);
        assertThat(json.get("seconds_per_epoch")).hasSize(3).allSatisfy(s -> assertThat(s.asDouble()).isPositive());
        assertThat(json.get("sequences_per_second").asDouble()).isPositive();
        assertThat(json.get("peak_rss_mb").asDouble()).isGreaterThan(10);
        assertThat(json.get("wall_seconds").asDouble()).isPositive();
        assertThat(json.get("centre_init_seconds").asDouble()).isPositive();
        assertThat(json.get("config").get("clusters").asInt()).isEqualTo(4);
        assertThat(json.get("settings").get("batch_size").asInt()).isEqualTo(24);

        JsonNode valid = json.get("valid");
        assertThat(valid).hasSize(3);
        for (int e = 0; e < 3; e++) {
            JsonNode v = valid.get(e);
            assertThat(v.get("epoch").asInt()).isEqualTo(e + 1);
            for (String metric : List.of("hr@5", "hr@20", "ndcg@5", "ndcg@20")) {
                assertThat(v.get(metric).asDouble()).isBetween(0.0, 1.0);
                assertThat(v.get("strict_protocol").get(metric).isNumber()).isTrue();
            }
            for (String part : List.of("total", "next_item", "sequence_contrast", "intent_contrast", "cluster")) {
                assertThat(v.get("loss").get(part).isNumber()).as(part).isTrue();
            }
        }
        for (String protocol : List.of("reference_protocol", "strict_protocol")) {
            JsonNode t = json.get("test").get(protocol);
            for (String metric : List.of("hr@5", "hr@20", "ndcg@5", "ndcg@20")) {
                assertThat(t.get(metric).asDouble()).as(protocol + " " + metric).isBetween(0.0, 1.0);
            }
            assertThat(t.get("users").asInt()).isEqualTo(240);
        }
        JsonNode intents = json.get("intents");
        assertThat(intents.get("clusters").asInt()).isEqualTo(4);
        assertThat(intents.get("users").asInt()).isEqualTo(240);
        assertThat(intents.get("used").asInt()).isBetween(1, 4);
        assertThat(intents.get("effective").asDouble()).isBetween(1.0, intents.get("used").asDouble());
        assertThat(log).contains("intents of the best model", "of 4 centres hold users");
    }

    @Test
    void everyObjectivePartIsTrainedUnderTheFullAblation() {
        assertThat(report.epochs()).allSatisfy(e -> {
            assertThat(e.skippedSteps()).isZero();
            assertThat(e.cpuSeconds()).isPositive();
            assertThat(e.steps()).isEqualTo(10);
            assertThat(e.sequences()).isEqualTo(240);
            assertThat(e.loss().nextItem()).isPositive();
            assertThat(e.loss().sequenceContrast()).isPositive();
            assertThat(e.loss().intentContrast()).isPositive();
            assertThat(Float.isFinite(e.loss().cluster())).isTrue();
        });
        assertThat(report.epochs().get(2).loss().nextItem()).isLessThan(report.epochs().get(0).loss().nextItem());
    }

    @Test
    void bestModelFileHoldsTheBestEpochsModelAndReproducesTheTestMetrics() throws IOException {
        ModelSnapshot best = ModelSnapshot.fromBytes(Files.readAllBytes(dir.resolve("run/best-model.bin")));
        assertThat(best.config()).isEqualTo(config);
        assertThat(best.version()).isEqualTo(10L * report.bestEpoch());
        OfflineEvaluation.Report again = OfflineEvaluation.evaluate(best, data);
        assertThat(again.test()).isEqualTo(report.test());
        assertThat(again.valid().reference()).isEqualTo(report.bestValid().reference());
        assertThat(again.valid().strict()).isEqualTo(report.bestValid().strict());
        assertThat(again.intents()).isEqualTo(report.intents()).isNotNull();
    }

    @Test
    void plotAndLogAreWritten() throws IOException {
        assertThat(ImageIO.read(dir.resolve("run/training.png").toFile())).isNotNull();
        assertThat(log).contains("epoch 1:", "epoch 3:", "valid HR@5", "best epoch", "strict_protocol");
    }

    /**
     * The next-item objective alone (SASRec) on strongly sequential data: the tested best model must rank far
     * better than the same model untrained. (The full objective learns this data much more slowly, so it is not
     * the one used to check that training and best-model selection work.)
     */
    @Test
    void validatesOnlyEveryFewEpochsButAlwaysTheLastAndLearns() throws IOException {
        TrainingSettings settings = new TrainingSettings("beauty", Ablation.SASREC, NextItemLossType.SOFTMAX_CE,
                Device.CPU, 3, 40, 2, 24, 5L, dir.resolve("sparse"), true);
        ElcRecConfig sasrec = Ablation.SASREC.applyTo(config.toBuilder().nextItemLoss(NextItemLossType.SOFTMAX_CE)
                .build());
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        TrainingReport sparse = new OfflineTrainer(settings, sasrec, data, new PrintWriter(new StringWriter()),
                new PrintStream(progress, true, StandardCharsets.UTF_8)).run();
        // Without a terminal the bar must still show the whole loss breakdown, not cut at 80 columns.
        assertThat(progress.toString(StandardCharsets.UTF_8))
                .contains("epoch 1", "epoch 3", "240/240 seq", "seq/s", "+ cluster 0.000");
        assertThat(sparse.valid()).extracting(ValidationRecord::epoch).containsExactly(2, 3);
        assertThat(sparse.centreInitSeconds()).isZero();
        assertThat(sparse.epochs()).allSatisfy(e -> {
            assertThat(e.loss().sequenceContrast()).isZero();
            assertThat(e.loss().intentContrast()).isZero();
            assertThat(e.loss().cluster()).isZero();
        });
        JsonNode json = OfflineJson.mapper().readTree(dir.resolve("sparse/results.json").toFile());
        assertThat(json.get("ablation").asText()).isEqualTo("sasrec");
        assertThat(json.get("config").get("contrast_enabled").asBoolean()).isFalse();
        assertThat(json.get("intents").isNull()).as("no centres, no intents").isTrue();
        List<Integer> epochs = new ArrayList<>();
        json.get("valid").forEach(v -> epochs.add(v.get("epoch").asInt()));
        assertThat(epochs).containsExactly(2, 3);

        ProtocolMetrics untrained;
        try (ElcRecModel fresh = ElcRecModel.create(sasrec)) {
            untrained = RankingEvaluator.evaluate(fresh::itemScores, data.testSplit(sasrec.maxSequenceLength()));
        }
        assertThat(sparse.test().strict().ndcg20()).isGreaterThan(untrained.strict().ndcg20() + 0.3);
        assertThat(sparse.test().reference().hr5()).isGreaterThan(untrained.reference().hr5() + 0.3);
    }

    /**
     * A run stopped after epoch 2 (its epoch cap) and resumed up to epoch 3 ends with the very model, validation
     * history and test metrics of the uninterrupted 3-epoch run above.
     */
    @Test
    void resumedRunEndsExactlyWhereTheUninterruptedRunEnds() throws IOException {
        Path resumed = dir.resolve("resumed");
        new OfflineTrainer(settings(2, resumed), config, data, new PrintWriter(new StringWriter()), System.err).run();
        StringWriter out = new StringWriter();
        TrainingReport continued = new OfflineTrainer(settings(3, resumed), config, data, new PrintWriter(out),
                System.err).resume();

        assertThat(out.toString()).contains("resuming after epoch 2");
        assertThat(continued.epochsRun()).isEqualTo(3);
        assertThat(continued.valid()).extracting(ValidationRecord::reference)
                .containsExactlyElementsOf(report.valid().stream().map(ValidationRecord::reference).toList());
        assertThat(continued.bestEpoch()).isEqualTo(report.bestEpoch());
        assertThat(continued.test()).isEqualTo(report.test());
        ModelSnapshot straight = ModelSnapshot.fromBytes(Files.readAllBytes(dir.resolve("run/last-model.bin")));
        ModelSnapshot afterResume = ModelSnapshot.fromBytes(Files.readAllBytes(resumed.resolve("last-model.bin")));
        assertThat(afterResume.version()).isEqualTo(straight.version());
        assertThat(afterResume.checksum()).isEqualTo(straight.checksum());
    }

    /** Patience is a stopping rule, not part of the model's course: a resumed run may tighten or relax it. */
    @Test
    void resumedRunMayChangeItsPatienceAndStopsByTheNewOne() throws IOException {
        Path tightened = dir.resolve("tightened");
        new OfflineTrainer(settings(2, tightened), config, data, new PrintWriter(new StringWriter()), System.err).run();
        TrainingSettings patienceOne = new TrainingSettings("beauty", Ablation.FULL,
                NextItemLossType.BCE_ONE_NEGATIVE, Device.CPU, 12, 1, 1, 24, 5L, tightened, false);

        TrainingReport continued = new OfflineTrainer(patienceOne, config, data, new PrintWriter(new StringWriter()),
                System.err).resume();

        if (continued.epochsRun() < 12) {
            assertThat(continued.status()).isEqualTo(TrainingReport.EARLY_STOPPED);
            assertThat(continued.epochsRun() - continued.bestEpoch()).isEqualTo(1);
        } else {
            assertThat(continued.bestEpoch()).isEqualTo(12);
        }
    }

    /** Runs started while the patience was part of the run key still resume, with any patience. */
    @Test
    void resumesARunWhoseStateStillNamesItsPatience() throws IOException {
        TrainingReport continued = resumeAfterRewritingItsKey("older", "\\\"patience\\\":1,", "\\\"patience\\\":40,");

        assertThat(continued.epochsRun()).isEqualTo(2);
    }

    /**
     * Runs started before the positives were a setting compared augmentations, and those started before the windows
     * were trained on each user's last window, and those started before the centres could be refitted kept their
     * first fit: they resume as such.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "before-positives | ,\\\"contrast_positives\\\":\\\"AUGMENTED\\\"",
            "before-windows | ,\\\"training_windows\\\":\\\"LAST\\\"",
            "before-centre-refit | ,\\\"centre_refit_epoch\\\":0"})
    void resumesARunStartedBeforeASettingExisted(String name, String stored) throws IOException {
        TrainingReport continued = resumeAfterRewritingItsKey(name, stored, "");

        assertThat(continued.epochsRun()).isEqualTo(2);
    }

    /** Runs started before the plateau decay was a setting stopped at their first plateau, and resume as such. */
    @Test
    void resumesARunStartedBeforeThePlateauDecayWasASetting() throws IOException {
        TrainingReport continued = resumeAfterRewritingItsKey("before-plateau-decay",
                ",\\\"plateau_decay\\\":{\\\"times\\\":0,\\\"factor\\\":0.1}", "");

        assertThat(continued.epochsRun()).isEqualTo(2);
        assertThat(continued.learningRateDrops()).isEmpty();
    }

    @Test
    void allWindowsTrainOnEveryWindowAndAreKeptOnResume() throws IOException {
        Path all = dir.resolve("all-windows");
        TrainingSettings last = settings(1, all);
        TrainingSettings allWindows = new TrainingSettings(last.preset(), last.ablation(), last.nextItemLoss(),
                last.device(), 1, last.patience(), 1, last.batchSize(), last.seed(), all, false,
                last.contrastPositives(), last.plateauDecay(), TrainingWindows.ALL);
        StringWriter log = new StringWriter();
        TrainingReport trained = new OfflineTrainer(allWindows, config, data, new PrintWriter(log), System.err)
                .withoutTest().run();

        int windows = data.trainingWindowCount(TrainingWindows.ALL, config.maxSequenceLength());
        assertThat(windows).isGreaterThan(data.trainingUserCount());
        assertThat(trained.epochs().get(0).sequences()).isEqualTo(windows);
        assertThat(report.epochs().get(0).sequences()).isEqualTo(data.trainingUserCount());
        assertThat(log.toString()).contains(data.trainingUserCount() + " training sequences in " + windows
                + " windows of " + config.maxSequenceLength());
        assertThat(OfflineJson.mapper().readTree(all.resolve("results.json").toFile())
                .at("/settings/training_windows").asText()).isEqualTo("ALL");
        assertThatThrownBy(() -> new OfflineTrainer(settings(2, all), config, data,
                new PrintWriter(new StringWriter()), System.err).resume())
                .isInstanceOf(OfflineTrainer.RunConflict.class).hasMessageContaining("other settings");
    }

    /**
     * A refit after epoch 2 leaves the course of epochs 1 and 2 as it was, puts the centres where k-means puts them
     * on the trained encoder's embeddings (fitting them again changes nothing; without the refit it would), and a
     * run resumed after the refit ends where the uninterrupted one does.
     */
    @Test
    void refittedCentresAreTheKMeansOfTheTrainedEncoderAndSurviveAResume() throws IOException {
        Path straight = dir.resolve("refit-straight");
        StringWriter log = new StringWriter();
        TrainingReport refitted = new OfflineTrainer(refitting(3, straight, 2), config, data, new PrintWriter(log),
                System.err).withoutTest().run();

        assertThat(log.toString()).contains("centres refitted after epoch 2 by k-means on the trained encoder's "
                + "embeddings of " + data.trainingUserCount() + " sequences");
        assertThat(refitted.valid().subList(0, 2)).extracting(ValidationRecord::reference)
                .containsExactlyElementsOf(report.valid().subList(0, 2).stream().map(ValidationRecord::reference)
                        .toList());
        assertThat(refitted.valid().get(2).loss()).isNotEqualTo(report.valid().get(2).loss());
        assertThat(OfflineJson.mapper().readTree(straight.resolve("results.json").toFile())
                .at("/settings/centre_refit_epoch").asInt()).isEqualTo(2);

        Path resumed = dir.resolve("refit-resumed");
        new OfflineTrainer(refitting(2, resumed, 2), config, data, new PrintWriter(new StringWriter()), System.err)
                .withoutTest().run();
        ModelSnapshot afterRefit = ModelSnapshot.fromBytes(Files.readAllBytes(resumed.resolve("last-model.bin")));
        assertThat(centresMoveWhenFittedAgain(afterRefit)).as("refitted centres are k-means' fit").isLessThan(1e-4f);
        ModelSnapshot withoutRefit = ModelSnapshot.fromBytes(Files.readAllBytes(dir.resolve("run/last-model.bin")));
        assertThat(centresMoveWhenFittedAgain(withoutRefit)).as("centres of the first fit").isGreaterThan(1e-2f);

        new OfflineTrainer(refitting(3, resumed, 2), config, data, new PrintWriter(new StringWriter()), System.err)
                .withoutTest().resume();
        assertThat(ModelSnapshot.fromBytes(Files.readAllBytes(resumed.resolve("last-model.bin"))).checksum())
                .isEqualTo(ModelSnapshot.fromBytes(Files.readAllBytes(straight.resolve("last-model.bin"))).checksum());
        assertThatThrownBy(() -> new OfflineTrainer(settings(3, resumed), config, data,
                new PrintWriter(new StringWriter()), System.err).resume())
                .isInstanceOf(OfflineTrainer.RunConflict.class).hasMessageContaining("other settings");
    }

    /** The largest change of a centre coordinate when {@code snapshot}'s centres are fitted again by k-means. */
    private static float centresMoveWhenFittedAgain(ModelSnapshot snapshot) {
        try (ElcRecModel model = ElcRecModel.restore(snapshot)) {
            float[][] before = model.centres();
            model.initialiseCentres(data.trainingInputs(config.maxSequenceLength()));
            float[][] after = model.centres();
            float largest = 0;
            for (int c = 0; c < before.length; c++) {
                for (int j = 0; j < before[c].length; j++) {
                    largest = Math.max(largest, Math.abs(before[c][j] - after[c][j]));
                }
            }
            return largest;
        }
    }

    private static TrainingSettings refitting(int epochs, Path out, int refitEpoch) {
        TrainingSettings s = settings(epochs, out);
        return new TrainingSettings(s.preset(), s.ablation(), s.nextItemLoss(), s.device(), epochs, s.patience(),
                s.evalEvery(), s.batchSize(), s.seed(), out, false, s.contrastPositives(), s.plateauDecay(),
                s.trainingWindows(), refitEpoch);
    }

    /**
     * Trains one epoch into {@code name}, replaces {@code stored} by {@code older} in its trainer state (the run key
     * is a JSON string inside it, so its quotes are escaped) and resumes it for a second epoch.
     */
    private static TrainingReport resumeAfterRewritingItsKey(String name, String stored, String older)
            throws IOException {
        Path run = dir.resolve(name);
        new OfflineTrainer(settings(1, run), config, data, new PrintWriter(new StringWriter()), System.err).run();
        Path state = run.resolve("trainer-state.json");
        String current = Files.readString(state);
        String rewritten = current.replace(stored, older);
        assertThat(rewritten).isNotEqualTo(current);
        Files.writeString(state, rewritten);
        return new OfflineTrainer(settings(2, run), config, data, new PrintWriter(new StringWriter()), System.err)
                .resume();
    }

    @Test
    void resumesARunStartedBeforeTheSettingsAddedSinceExisted() throws IOException {
        // Runs of that time trained with the dot-product contrast, window positions and no filter, all there was.
        ElcRecConfig dotContrast = config.toBuilder().contrastSimilarity(ContrastSimilarity.DOT).lowPassWeight(0)
                .build();
        Path older = dir.resolve("before-new-settings");
        new OfflineTrainer(settings(1, older), dotContrast, data, new PrintWriter(new StringWriter()), System.err)
                .run();
        Path state = older.resolve("trainer-state.json");
        String current = Files.readString(state);
        // The settings added since are the config's last fields: cut from the first of them to the config's end.
        int from = current.indexOf(",\\\"contrast_similarity\\\"");
        int to = current.indexOf('}', from);
        assertThat(current.substring(from, to)).contains("sampled_negatives", "position_encoding", "low_pass_weight",
                "low_pass_cutoff", "weight_average_decay", "item_bias", "wavelet_weight");
        String withoutNewSettings = current.substring(0, from) + current.substring(to);
        assertThat(withoutNewSettings).isNotEqualTo(current);
        Files.writeString(state, withoutNewSettings);

        assertThatThrownBy(() -> new OfflineTrainer(settings(2, older), config, data,
                new PrintWriter(new StringWriter()), System.err).resume())
                .as("resumed with the cosine contrast")
                .isInstanceOf(OfflineTrainer.RunConflict.class);
        TrainingReport continued = new OfflineTrainer(settings(2, older), dotContrast, data,
                new PrintWriter(new StringWriter()), System.err).resume();

        assertThat(continued.epochsRun()).isEqualTo(2);
    }

    @Test
    void sameTargetPositivesChangeWhatTheSequenceContrastComparesAndAreKeptOnResume() throws IOException {
        Path sameTarget = dir.resolve("same-target");
        TrainingReport paired = new OfflineTrainer(settings(1, sameTarget, ContrastPositives.SAME_TARGET), config,
                data, new PrintWriter(new StringWriter()), System.err).run();

        float augmentedContrast = report.epochs().get(0).loss().sequenceContrast();
        float pairedContrast = paired.epochs().get(0).loss().sequenceContrast();
        assertThat(pairedContrast).isPositive().isNotEqualTo(augmentedContrast);
        assertThat(paired.epochs().get(0).skippedSteps()).isZero();
        assertThat(OfflineJson.mapper().readTree(sameTarget.resolve("results.json").toFile())
                .at("/settings/contrast_positives").asText()).isEqualTo("SAME_TARGET");
        assertThatThrownBy(() -> new OfflineTrainer(settings(2, sameTarget), config, data,
                new PrintWriter(new StringWriter()), System.err).resume())
                .isInstanceOf(OfflineTrainer.RunConflict.class).hasMessageContaining("other settings");
    }

    /**
     * At each plateau (patience 2) the run goes back to its best model at a tenth of the learning rate, twice, and
     * then stops; a run that had stopped at its first plateau without a decay, resumed with it, and a run stopped
     * by its epoch cap after the first decay, resumed, both end exactly as the run that went through unstopped.
     */
    @Test
    void aPlateauDecayReturnsToTheBestModelAtALowerRateAndAStoppedRunResumesIntoIt() throws IOException {
        Path stoppedFirst = dir.resolve("stopped-at-first-plateau");
        TrainingReport stopped = new OfflineTrainer(patienceTwo(stoppedFirst, PlateauDecay.NONE), config, data,
                new PrintWriter(new StringWriter()), System.err).run();
        assertThat(stopped.status()).as("a plateau within the cap").isEqualTo(TrainingReport.EARLY_STOPPED);
        assertThat(stopped.learningRateDrops()).isEmpty();

        Path decayed = dir.resolve("decayed");
        StringWriter out = new StringWriter();
        TrainingReport twice = new OfflineTrainer(patienceTwo(decayed, new PlateauDecay(2, 0.1f)), config, data,
                new PrintWriter(out), System.err).run();

        List<LearningRateDrop> drops = twice.learningRateDrops();
        assertThat(drops).hasSize(2);
        assertThat(drops.get(0).afterEpoch()).as("the first plateau is the stopped run's").isEqualTo(
                stopped.epochsRun());
        assertThat(drops.get(0).bestEpoch()).isEqualTo(stopped.bestEpoch());
        assertThat(drops.get(0).learningRate()).isCloseTo(1e-3f, within(1e-9f));
        assertThat(drops.get(1).learningRate()).isCloseTo(1e-4f, within(1e-10f));
        assertThat(drops.get(1).afterEpoch() - Math.max(drops.get(1).bestEpoch(), drops.get(0).afterEpoch()))
                .as("the patience counts anew after a decay").isEqualTo(2);
        assertThat(twice.status()).isEqualTo(TrainingReport.EARLY_STOPPED);
        assertThat(twice.epochsRun() - Math.max(twice.bestEpoch(), drops.get(1).afterEpoch())).isEqualTo(2);
        assertThat(out.toString()).contains("back to the model of epoch " + stopped.bestEpoch());

        ModelSnapshot last = ModelSnapshot.fromBytes(Files.readAllBytes(decayed.resolve("last-model.bin")));
        assertThat(last.config().learningRate()).isCloseTo(1e-4f, within(1e-10f));
        // Every step moves the version on; going back to the best model takes it back to that model's version.
        assertThat(twice.epochs()).allSatisfy(e -> assertThat(e.skippedSteps()).isZero());
        int steps = twice.epochs().get(0).steps();
        // Each decay undoes the epochs since the later of its best epoch and the decay before it.
        int undone = drops.get(0).afterEpoch() - drops.get(0).bestEpoch()
                + drops.get(1).afterEpoch() - Math.max(drops.get(1).bestEpoch(), drops.get(0).afterEpoch());
        ModelSnapshot lastOfStopped = ModelSnapshot.fromBytes(Files.readAllBytes(
                stoppedFirst.resolve("last-model.bin")));
        assertThat(last.version() - lastOfStopped.version())
                .isEqualTo((long) steps * (twice.epochsRun() - undone - stopped.epochsRun()));

        TrainingReport resumed = new OfflineTrainer(patienceTwo(stoppedFirst, new PlateauDecay(2, 0.1f)), config,
                data, new PrintWriter(new StringWriter()), System.err).resume();
        assertThat(resumed.learningRateDrops()).isEqualTo(drops);
        assertThat(resumed.valid()).extracting(ValidationRecord::reference)
                .containsExactlyElementsOf(twice.valid().stream().map(ValidationRecord::reference).toList());
        assertThat(resumed.test()).isEqualTo(twice.test());
        ModelSnapshot lastOfResumed = ModelSnapshot.fromBytes(Files.readAllBytes(
                stoppedFirst.resolve("last-model.bin")));
        assertThat(lastOfResumed.checksum()).isEqualTo(last.checksum());

        // Stopped by its cap one epoch after the first decay, so that its saved state holds that decay and the
        // patience counted from it.
        Path interrupted = dir.resolve("decay-interrupted");
        TrainingSettings capped = patienceTwo(interrupted, new PlateauDecay(2, 0.1f));
        new OfflineTrainer(new TrainingSettings(capped.preset(), capped.ablation(), capped.nextItemLoss(),
                capped.device(), drops.get(0).afterEpoch() + 1, 2, 1, capped.batchSize(), capped.seed(), interrupted,
                false, capped.contrastPositives(), capped.plateauDecay()), config, data,
                new PrintWriter(new StringWriter()), System.err).run();
        TrainingReport continued = new OfflineTrainer(capped, config, data, new PrintWriter(new StringWriter()),
                System.err).resume();
        assertThat(continued.learningRateDrops()).isEqualTo(drops);
        assertThat(ModelSnapshot.fromBytes(Files.readAllBytes(interrupted.resolve("last-model.bin"))).checksum())
                .isEqualTo(last.checksum());
    }

    /** What a resume without a decay of its own keeps: the run's, "none" for runs from before the setting. */
    @Test
    void theStoredPlateauDecayIsTheRunsOwnAndNoneForOlderRuns() throws IOException {
        assertThat(OfflineTrainer.storedPlateauDecay(dir.resolve("run"))).contains(PlateauDecay.NONE);
        assertThat(OfflineTrainer.storedPlateauDecay(dir.resolve("nothing-here"))).isEmpty();

        Path decayed = dir.resolve("stored-decay");
        new OfflineTrainer(new TrainingSettings("beauty", Ablation.FULL, NextItemLossType.BCE_ONE_NEGATIVE,
                Device.CPU, 1, 40, 1, 24, 5L, decayed, false, ContrastPositives.AUGMENTED, new PlateauDecay(3, 0.5f)),
                config, data, new PrintWriter(new StringWriter()), System.err).withoutTest().run();
        assertThat(OfflineTrainer.storedPlateauDecay(decayed)).contains(new PlateauDecay(3, 0.5f));

        Path results = decayed.resolve("results.json");
        JsonNode json = OfflineJson.mapper().readTree(results.toFile());
        ((ObjectNode) json.get("settings")).remove("plateau_decay");
        Files.writeString(results, OfflineJson.mapper().writeValueAsString(json));
        assertThat(OfflineTrainer.storedPlateauDecay(decayed)).contains(PlateauDecay.NONE);
    }

    /** What a resume without a refit of its own keeps: the run's, 0 (never) for runs from before the setting. */
    @Test
    void theStoredCentreRefitEpochIsTheRunsOwnAndNeverForOlderRuns() throws IOException {
        assertThat(OfflineTrainer.storedCentreRefitEpoch(dir.resolve("nothing-here"))).isEmpty();

        Path refitting = dir.resolve("stored-refit");
        new OfflineTrainer(new TrainingSettings("beauty", Ablation.FULL, NextItemLossType.BCE_ONE_NEGATIVE,
                Device.CPU, 1, 40, 1, 24, 5L, refitting, false, ContrastPositives.AUGMENTED, PlateauDecay.NONE,
                TrainingWindows.LAST, 7), config, data, new PrintWriter(new StringWriter()), System.err)
                .withoutTest().run();
        assertThat(OfflineTrainer.storedCentreRefitEpoch(refitting)).contains(7);

        Path results = refitting.resolve("results.json");
        JsonNode json = OfflineJson.mapper().readTree(results.toFile());
        ((ObjectNode) json.get("settings")).remove("centre_refit_epoch");
        Files.writeString(results, OfflineJson.mapper().writeValueAsString(json));
        assertThat(OfflineTrainer.storedCentreRefitEpoch(refitting)).contains(0);
    }

    private static TrainingSettings patienceTwo(Path out, PlateauDecay decay) {
        return new TrainingSettings("beauty", Ablation.FULL, NextItemLossType.BCE_ONE_NEGATIVE, Device.CPU, 40, 2, 1,
                24, 5L, out, false, ContrastPositives.AUGMENTED, decay);
    }

    @Test
    void aScreenWithoutTestLeavesTheTestSplitUnreadUntilTheFinishedRunIsResumed() throws IOException {
        Path screen = dir.resolve("screen");
        StringWriter out = new StringWriter();
        TrainingReport screened = new OfflineTrainer(settings(1, screen), config, data, new PrintWriter(out),
                System.err).withoutTest().run();

        assertThat(screened.test()).isNull();
        assertThat(OfflineJson.mapper().readTree(screen.resolve("results.json").toFile()).get("test").isNull())
                .isTrue();
        assertThat(out.toString()).contains("test split not read").doesNotContain("test reference_protocol");

        TrainingReport tested = new OfflineTrainer(settings(1, screen), config, data,
                new PrintWriter(new StringWriter()), System.err).resume();
        assertThat(tested.epochsRun()).as("no further training").isEqualTo(1);
        assertThat(tested.test()).isNotNull();
        assertThat(tested.test().reference().users()).isEqualTo(data.userCount());
    }

    @Test
    void refusesToOverwriteARunOrToResumeItWithOtherSettings() throws IOException {
        assertThatThrownBy(() -> new OfflineTrainer(settings(3, dir.resolve("run")), config, data,
                new PrintWriter(new StringWriter()), System.err).run())
                .isInstanceOf(OfflineTrainer.RunConflict.class).hasMessageContaining("already holds a run");
        ElcRecConfig otherRate = config.toBuilder().learningRate(2e-2f).build();
        assertThatThrownBy(() -> new OfflineTrainer(settings(3, dir.resolve("run")), otherRate, data,
                new PrintWriter(new StringWriter()), System.err).resume())
                .isInstanceOf(OfflineTrainer.RunConflict.class).hasMessageContaining("other settings");
        assertThatThrownBy(() -> new OfflineTrainer(settings(3, dir.resolve("nothing-here")), config, data,
                new PrintWriter(new StringWriter()), System.err).resume())
                .isInstanceOf(OfflineTrainer.RunConflict.class).hasMessageContaining("nothing to resume");
    }

    private static TrainingSettings settings(int epochs, Path out) {
        return settings(epochs, out, ContrastPositives.AUGMENTED);
    }

    private static TrainingSettings settings(int epochs, Path out, ContrastPositives positives) {
        return new TrainingSettings("beauty", Ablation.FULL, NextItemLossType.BCE_ONE_NEGATIVE, Device.CPU, epochs, 40,
                1, 24, 5L, out, false, positives);
    }
}
