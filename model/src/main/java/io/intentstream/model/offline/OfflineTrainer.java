package io.intentstream.model.offline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.ElcRecModel;
import io.intentstream.model.LossParts;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.SequenceBatch;
import io.intentstream.model.TrainStepResult;
import io.intentstream.model.cluster.IntentUsage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.SplittableRandom;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Trains ELCRec on a benchmark as the reference code does (spec §5, §6): k-means initialisation of the centres on
 * all training sequences, epochs of shuffled batches, validation with early stopping on NDCG@20, and a final test
 * of the best model under both protocols. A {@link PlateauDecay} may put off the early stop: at a plateau the run
 * goes back to its best model and continues at a lower learning rate.
 *
 * <p>Writes to the output directory: {@value #RESULTS_FILE} after every epoch, {@value #BEST_MODEL_FILE} whenever
 * validation improves, and {@value #PLOT_FILE} after every epoch. After every epoch it also leaves what
 * {@link #resume()} needs to continue a stopped run exactly where it stopped: the whole model with its optimiser
 * and random state ({@value #LAST_MODEL_FILE}) and the run's history ({@value #STATE_FILE}). Each epoch's shuffle
 * is drawn from the seed and the epoch number, and the model's own randomness from its snapshot, so a run stopped
 * after epoch e and resumed ends with the same model, bit for bit, as one that was never stopped.
 */
public final class OfflineTrainer {

    public static final String RESULTS_FILE = "results.json";
    public static final String BEST_MODEL_FILE = "best-model.bin";
    public static final String PLOT_FILE = "training.png";
    public static final String LAST_MODEL_FILE = "last-model.bin";
    public static final String STATE_FILE = "trainer-state.json";

    private static final int PROGRESS_WIDTH = 170;

    private final TrainingSettings settings;
    private final ElcRecConfig config;
    private final BenchmarkDataset data;
    private final PrintWriter log;
    private final PrintStream progressOut;

    private final List<EpochRecord> epochs = new ArrayList<>();
    private final List<ValidationRecord> validations = new ArrayList<>();
    private final EarlyStopping earlyStopping;
    private final List<LearningRateDrop> learningRateDrops = new ArrayList<>();
    private ValidationRecord bestValid;
    private ModelSnapshot bestSnapshot;
    private double centreInitSeconds;
    private long startNanos;
    /** Wall time of the epochs before a resume. */
    private double earlierSeconds;
    private boolean readsTest = true;

    /**
     * @param config the model configuration; normally {@code settings.modelConfig(data.itemCount())}, smaller in tests
     * @param log one line per epoch and the final result
     * @param progressOut where the per-epoch progress bar is drawn when {@link TrainingSettings#showProgress()}
     */
    public OfflineTrainer(TrainingSettings settings, ElcRecConfig config, BenchmarkDataset data, PrintWriter log,
            PrintStream progressOut) {
        if (config.itemCount() != data.itemCount()) {
            throw new IllegalArgumentException("model config has itemCount " + config.itemCount() + " but "
                    + data.source() + " has " + data.itemCount() + " items");
        }
        this.settings = settings;
        this.config = config;
        this.data = data;
        this.log = log;
        this.progressOut = progressOut;
        this.earlyStopping = new EarlyStopping(settings.patience());
    }

    /**
     * Ends the run without reading the test split, for screens and tuning, where settings must be chosen on
     * validation alone. Resuming the finished run later without this reads the test split once.
     */
    public OfflineTrainer withoutTest() {
        readsTest = false;
        return this;
    }

    public Path resultsFile() {
        return settings.outputDirectory().resolve(RESULTS_FILE);
    }

    public Path bestModelFile() {
        return settings.outputDirectory().resolve(BEST_MODEL_FILE);
    }

    public Path plotFile() {
        return settings.outputDirectory().resolve(PLOT_FILE);
    }

    public Path lastModelFile() {
        return settings.outputDirectory().resolve(LAST_MODEL_FILE);
    }

    public Path stateFile() {
        return settings.outputDirectory().resolve(STATE_FILE);
    }

    /**
     * Runs the whole training and test; the returned report is also the final content of results.json.
     *
     * @throws RunConflict if the output directory already holds a run (use {@link #resume()})
     */
    public TrainingReport run() throws IOException {
        if (Files.exists(stateFile())) {
            throw new RunConflict(settings.outputDirectory() + " already holds a run (" + STATE_FILE
                    + "): resume it or choose another output directory");
        }
        Files.createDirectories(settings.outputDirectory());
        startNanos = System.nanoTime();
        logStart();
        ElcRecModel model = ElcRecModel.create(config);
        try {
            if (Ablation.needsCentres(config)) {
                long t0 = System.nanoTime();
                model.initialiseCentres(data.trainingInputs(config.maxSequenceLength()));
                centreInitSeconds = secondsSince(t0);
                log.printf(Locale.ROOT, "centres initialised by k-means on %d sequences in %.1f s%n",
                        data.trainingUserCount(), centreInitSeconds);
                log.flush();
            }
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        return train(model, 1);
    }

    /**
     * Continues the run in the output directory after its last completed epoch, with the same settings (the
     * epoch cap, the patience and the plateau decay may differ), and then tests it as {@link #run()} does. A run
     * that had already finished is only tested again; one that stopped early goes on if a plateau decay allows it.
     *
     * @throws RunConflict if there is no run to resume, or it was started with other settings
     */
    public TrainingReport resume() throws IOException {
        if (!Files.exists(stateFile())) {
            throw new RunConflict("nothing to resume: " + stateFile() + " does not exist");
        }
        startNanos = System.nanoTime();
        TrainerState state = OfflineJson.mapper().readValue(stateFile().toFile(), TrainerState.class);
        // As JSON trees: settings filled in for older runs come last in the stored key, where today's has them inside.
        if (!comparableStoredKey(state.runKey()).equals(OfflineJson.mapper().readTree(runKey()))) {
            throw new RunConflict("the run in " + settings.outputDirectory() + " was started with other "
                    + "settings; resume it with the same ones (only --epochs, --patience and --lr-decays may change)."
                    + "\n  then: " + state.runKey()
                    + "\n  now:  " + runKey());
        }
        ModelSnapshot last = ModelSnapshot.fromBytes(Files.readAllBytes(lastModelFile()));
        if (last.version() != state.modelVersion()) {
            throw new RunConflict(LAST_MODEL_FILE + " holds model version " + last.version() + " but "
                    + STATE_FILE + " expects " + state.modelVersion() + ": the run stopped while writing them");
        }
        epochs.addAll(state.epochs());
        validations.addAll(state.validations());
        learningRateDrops.addAll(state.learningRateDropsOrNone());
        earlyStopping.restore(state.bestEpoch(), state.bestScore(),
                learningRateDrops.isEmpty() ? 0 : learningRateDrops.get(learningRateDrops.size() - 1).afterEpoch());
        centreInitSeconds = state.centreInitSeconds();
        earlierSeconds = state.elapsedSeconds();
        if (earlyStopping.hasBest()) {
            bestSnapshot = ModelSnapshot.fromBytes(Files.readAllBytes(bestModelFile()));
            bestValid = validations.stream().filter(v -> v.epoch() == state.bestEpoch()).findFirst().orElse(null);
        }
        logStart();
        log.printf(Locale.ROOT, "resuming after epoch %d (model version %d, best epoch %d)%n", epochs.size(),
                last.version(), earlyStopping.bestEpoch());
        log.flush();
        return train(ElcRecModel.restore(last), epochs.size() + 1);
    }

    /**
     * The plateau decay of the run in {@code outputDirectory}, as its results.json records it ({@link
     * PlateauDecay#NONE} for runs written before the setting existed), so that a resume without one keeps the run's
     * own rather than taking a default that may have changed since; empty when there is no run there.
     */
    public static Optional<PlateauDecay> storedPlateauDecay(Path outputDirectory) throws IOException {
        Optional<JsonNode> decay = storedTrainingSetting(outputDirectory, "plateau_decay");
        return decay.isPresent() && decay.get().isObject()
                ? Optional.of(OfflineJson.mapper().treeToValue(decay.get(), PlateauDecay.class))
                : Optional.empty();
    }

    /**
     * The centre refit epoch of the run in {@code outputDirectory}, 0 (never) for runs from before the setting, or
     * empty when it holds no run: what a {@code --resume} that does not name one keeps.
     */
    public static Optional<Integer> storedCentreRefitEpoch(Path outputDirectory) throws IOException {
        return storedTrainingSetting(outputDirectory, "centre_refit_epoch").map(refit -> refit.asInt(0));
    }

    /** A training setting as the run's results.json records it (a missing node if older); empty without a run. */
    private static Optional<JsonNode> storedTrainingSetting(Path outputDirectory, String field) throws IOException {
        Path results = outputDirectory.resolve(RESULTS_FILE);
        if (!Files.exists(results)) {
            return Optional.empty();
        }
        return Optional.of(SettingsOfOlderRuns.trainingSettingsOf(OfflineJson.mapper().readTree(results.toFile()))
                .path(field));
    }

    private void logStart() {
        log.printf(Locale.ROOT, "training %s (%s) on %s: %d users, %d items, %d training sequences%s%n",
                settings.preset(), settings.ablation().cliName(), data.source(), data.userCount(), data.itemCount(),
                data.trainingUserCount(), settings.trainingWindows() == TrainingWindows.ALL
                        ? " in " + data.trainingWindowCount(TrainingWindows.ALL, config.maxSequenceLength())
                                + " windows of " + config.maxSequenceLength()
                        : "");
        log.flush();
    }

    /** The epoch loop from {@code firstEpoch}, then the test; closes {@code trainedModel}. */
    private TrainingReport train(ElcRecModel trainedModel, int firstEpoch) throws IOException {
        int maxLength = config.maxSequenceLength();
        EvaluationSplit validSplit = data.validationSplit(maxLength);
        String status = TrainingReport.COMPLETED;
        ElcRecModel model = trainedModel;
        try {
            // A resumed run whose last epoch ended on a plateau: the state was written before the plateau was acted
            // on, so the decision is taken again here, with the same outcome (or another, if the decay changed).
            if (firstEpoch > 1) {
                model = lowerLearningRateAtPlateau(model, firstEpoch - 1);
                if (earlyStopping.shouldStop(firstEpoch - 1)) {
                    status = TrainingReport.EARLY_STOPPED;
                }
            }
            for (int epoch = firstEpoch; epoch <= settings.epochs() && !status.equals(TrainingReport.EARLY_STOPPED);
                    epoch++) {
                EpochRecord trained = trainEpoch(model, epoch, data.trainingEpoch(epochShuffle(epoch),
                        settings.batchSize(), maxLength, settings.contrastPositives(), settings.trainingWindows()));
                if (epoch == settings.centreRefitEpoch()) {
                    refitCentres(model, epoch);
                }
                epochs.add(trained);
                boolean validate = epoch % settings.evalEvery() == 0 || epoch == settings.epochs();
                if (validate) {
                    validate(model, validSplit, trained);
                }
                logEpoch(trained, validate);
                writeResumeState(model);
                writeProgress(TrainingReport.RUNNING, null, null);
                if (diverged(trained, validate ? validations.get(validations.size() - 1) : null)) {
                    // Parameters that are NaN never recover: skipped steps leave them as they are.
                    status = TrainingReport.DIVERGED;
                    log.printf(Locale.ROOT, "stopping: the model diverged in epoch %d (%d of %d steps skipped, "
                            + "validation scores %s)%n", epoch, trained.skippedSteps(), trained.steps(),
                            validate ? "non-finite for " + validations.get(validations.size() - 1).reference()
                                    .nonFiniteTargets() + " users" : "not computed");
                    break;
                }
                model = lowerLearningRateAtPlateau(model, epoch);
                if (earlyStopping.shouldStop(epoch)) {
                    status = TrainingReport.EARLY_STOPPED;
                    log.printf(Locale.ROOT, "early stop: no better validation NDCG@20 for %d epochs%n",
                            settings.patience());
                }
            }
            if (bestSnapshot == null) {
                // Every validation score was NaN, so no epoch was best: test the last model rather than none.
                bestSnapshot = model.snapshot();
                OfflineJson.writeAtomically(bestModelFile(), bestSnapshot.toBytes());
            }
        } finally {
            model.close();
        }

        IntentUsage intents;
        ProtocolMetrics test = null;
        // One restore of the best model for both; the same path as `evaluate` on best-model.bin, so that both give
        // identical numbers.
        try (ElcRecModel best = ElcRecModel.restore(bestSnapshot)) {
            intents = OfflineEvaluation.intentUsage(best, validSplit);
            if (readsTest) {
                test = RankingEvaluator.evaluate(best::itemScores, data.testSplit(maxLength));
            }
        }
        if (intents != null) {
            log.printf(Locale.ROOT, "intents of the best model, each user assigned by the validation input: %d of %d "
                            + "centres hold users, %.1f effective, the largest holds %.1f%%%n", intents.used(),
                    intents.clusters(), intents.effective(), 100 * intents.largestShare());
        }
        if (!readsTest) {
            log.printf(Locale.ROOT, "best epoch %d; test split not read (resume the run to read it once)%n",
                    earlyStopping.bestEpoch());
            log.flush();
            return writeProgress(status, null, intents);
        }
        log.printf(Locale.ROOT, "best epoch %d; test reference_protocol %s; strict_protocol %s%n",
                earlyStopping.bestEpoch(), describe(test.reference()), describe(test.strict()));
        log.flush();
        return writeProgress(status, test, intents);
    }

    /**
     * When {@code epoch} ends on a plateau and the decay allows another drop: closes {@code model} and returns the
     * best model so far at the current learning rate times the decay's factor, with the patience counted anew from
     * {@code epoch}. The best model keeps its own optimiser moments and random state, so the outcome depends only on
     * the run so far. Otherwise returns {@code model}, and a plateau stays one (the run stops early).
     */
    private ElcRecModel lowerLearningRateAtPlateau(ElcRecModel model, int epoch) {
        if (!earlyStopping.shouldStop(epoch) || !settings.plateauDecay().allowsAnother(learningRateDrops.size())) {
            return model;
        }
        float learningRate = model.config().learningRate() * settings.plateauDecay().factor();
        model.close();
        ElcRecModel continued = ElcRecModel.restore(bestSnapshot.withLearningRate(learningRate));
        if (settings.centreRefitEpoch() > earlyStopping.bestEpoch() && settings.centreRefitEpoch() <= epoch) {
            // The best model predates the refit: its centres are the first fit, so the refit is made again, on its
            // encoder, for the run to go on as it was asked to.
            refitCentres(continued, settings.centreRefitEpoch());
        }
        learningRateDrops.add(new LearningRateDrop(epoch, earlyStopping.bestEpoch(), learningRate));
        earlyStopping.restartPatience(epoch);
        log.printf(Locale.ROOT, "plateau: no better validation NDCG@20 for %d epochs; back to the model of epoch %d "
                + "at learning rate %.3g (decay %d of %d)%n", settings.patience(), earlyStopping.bestEpoch(),
                learningRate, learningRateDrops.size(), settings.plateauDecay().times());
        log.flush();
        return continued;
    }

    /** The shuffle of one epoch, from the seed and the epoch alone, so that a resumed run draws the same. */
    static Random epochShuffle(long seed, int epoch) {
        return new Random(new SplittableRandom(seed).split().nextLong() + 0x9E3779B97F4A7C15L * epoch);
    }

    private Random epochShuffle(int epoch) {
        return epochShuffle(settings.seed(), epoch);
    }

    /** The model first, then the history naming its version: a crash between the two renames is detected. */
    private void writeResumeState(ElcRecModel model) throws IOException {
        ModelSnapshot last = model.snapshot();
        OfflineJson.writeAtomically(lastModelFile(), last.toBytes());
        OfflineJson.write(stateFile(), new TrainerState(runKey(), last.version(), List.copyOf(epochs),
                List.copyOf(validations), earlyStopping.bestEpoch(), earlyStopping.bestScore(), centreInitSeconds,
                earlierSeconds + secondsSince(startNanos), List.copyOf(learningRateDrops)));
    }

    /**
     * The settings that must not change between a run and its resume: all but the epoch cap, the patience, the
     * plateau decay and the display. None of these changes the model's course, only where it ends or how it goes on
     * from a plateau; a patience already exceeded when the run resumes acts before another epoch.
     */
    private String runKey() {
        TrainingSettings s = settings;
        TrainingSettings fixed = new TrainingSettings(s.preset(), s.ablation(), s.nextItemLoss(), s.device(), 1,
                1, s.evalEvery(), s.batchSize(), s.seed(), s.outputDirectory(), false, s.contrastPositives(),
                PlateauDecay.NONE, s.trainingWindows(), s.centreRefitEpoch());
        // The data by its shape, not its path: the same file may be named differently when the run is resumed.
        return OfflineJson.compactJson(List.of(fixed, config, data.userCount(), data.trainingUserCount()));
    }

    /**
     * A stored run key in today's form. Runs started before the patience left the key hold their patience: set to
     * the same 1. Runs started before a setting existed get the value they trained with ({@link SettingsOfOlderRuns}).
     */
    private static JsonNode comparableStoredKey(String storedKey) throws IOException {
        JsonNode key = OfflineJson.mapper().readTree(storedKey);
        if (key.isArray() && key.get(0) instanceof ObjectNode settings) {
            if (settings.has("patience")) {
                settings.put("patience", 1);
            }
            SettingsOfOlderRuns.fillAbsentTrainingSettings(settings);
        }
        if (key.isArray() && key.get(1) instanceof ObjectNode config) {
            SettingsOfOlderRuns.fillAbsent(config);
        }
        return key;
    }

    /**
     * Whether training cannot make progress any more: every step of the epoch had a non-finite loss, or the model
     * scores every validation target as NaN or infinite.
     */
    static boolean diverged(EpochRecord trained, ValidationRecord validation) {
        boolean everyStepSkipped = trained.steps() > 0 && trained.skippedSteps() == trained.steps();
        return everyStepSkipped || (validation != null && validation.reference().allScoresNonFinite());
    }

    private EpochRecord trainEpoch(ElcRecModel model, int epoch, List<SequenceBatch> batches) {
        int sequences = batches.stream().mapToInt(SequenceBatch::size).sum();
        LossMean mean = new LossMean();
        int skipped = 0;
        double cpu0 = ProcessResources.cpuSeconds();
        long t0 = System.nanoTime();
        try (ProgressBar bar = settings.showProgress() ? progressBar(epoch, sequences) : null) {
            for (SequenceBatch batch : batches) {
                TrainStepResult step = model.trainStep(batch);
                if (step.skipped()) {
                    skipped++;
                } else {
                    mean.add(step.loss());
                }
                if (bar != null) {
                    bar.stepBy(batch.size());
                    bar.setExtraMessage(" " + brief(mean.result()));
                }
            }
        }
        double seconds = secondsSince(t0);
        return new EpochRecord(epoch, seconds, ProcessResources.cpuSeconds() - cpu0, sequences, batches.size(), skipped,
                mean.result());
    }

    private ProgressBar progressBar(int epoch, int sequences) {
        // On a terminal the consumer fits its width; redirected to a file it would assume 80 columns and cut the
        // loss parts off.
        ConsoleProgressBarConsumer consumer = System.console() != null
                ? new ConsoleProgressBarConsumer(progressOut)
                : new ConsoleProgressBarConsumer(progressOut, PROGRESS_WIDTH);
        return new ProgressBarBuilder()
                .setTaskName("epoch " + epoch)
                .setInitialMax(sequences)
                .setUnit(" seq", 1)
                .showSpeed()
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(1000)
                .setConsumer(consumer)
                .build();
    }

    private void validate(ElcRecModel model, EvaluationSplit validSplit, EpochRecord trained) throws IOException {
        long t0 = System.nanoTime();
        ProtocolMetrics metrics = RankingEvaluator.evaluate(model::itemScores, validSplit);
        double seconds = secondsSince(t0);
        boolean improved = earlyStopping.offer(trained.epoch(), metrics.reference().ndcg20());
        ValidationRecord record = ValidationRecord.of(trained.epoch(), metrics, trained.loss(), seconds, improved);
        validations.add(record);
        if (improved) {
            bestValid = record;
            bestSnapshot = model.snapshot();
            OfflineJson.writeAtomically(bestModelFile(), bestSnapshot.toBytes());
        }
    }

    /**
     * Fits the centres again, by k-means on the embeddings {@code model}'s trained encoder gives every training
     * sequence (the first fit saw the untrained encoder): the intents the gradient alone would not find. Seeded as the
     * first fit, so a resumed run refits exactly as an uninterrupted one.
     */
    private void refitCentres(ElcRecModel model, int afterEpoch) {
        long t0 = System.nanoTime();
        model.initialiseCentres(data.trainingInputs(config.maxSequenceLength()));
        log.printf(Locale.ROOT, "centres refitted after epoch %d by k-means on the trained encoder's embeddings of %d "
                + "sequences in %.1f s%n", afterEpoch, data.trainingUserCount(), secondsSince(t0));
        log.flush();
    }

    private TrainingReport writeProgress(String status, ProtocolMetrics test, IntentUsage intents)
            throws IOException {
        double trainSeconds = epochs.stream().mapToDouble(EpochRecord::seconds).sum();
        long trainSequences = epochs.stream().mapToLong(EpochRecord::sequences).sum();
        OptionalDouble rss = ProcessResources.peakResidentMb();
        TrainingReport report = new TrainingReport(
                settings.preset(),
                settings.ablation().cliName(),
                data.source(),
                settings.seed(),
                status,
                epochs.size(),
                earlyStopping.bestEpoch(),
                List.copyOf(learningRateDrops),
                epochs.stream().map(EpochRecord::seconds).toList(),
                trainSeconds > 0 ? trainSequences / trainSeconds : 0,
                rss.isPresent() ? rss.getAsDouble() : null,
                earlierSeconds + secondsSince(startNanos),
                centreInitSeconds,
                EvaluationProtocol.REFERENCE.jsonName(),
                bestValid,
                test,
                intents,
                List.copyOf(validations),
                List.copyOf(epochs),
                settings,
                config);
        OfflineJson.write(resultsFile(), report);
        TrainingPlot.write(plotFile(), epochs, validations, learningRateDrops);
        return report;
    }

    private void logEpoch(EpochRecord trained, boolean validated) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "epoch %d: %.1f s (%.1f CPU s), %.0f seq/s, %s", trained.epoch(), trained.seconds(),
                trained.cpuSeconds(), trained.sequences() / trained.seconds(), describe(trained.loss())));
        if (trained.skippedSteps() > 0) {
            line.append(", ").append(trained.skippedSteps()).append(" steps skipped (non-finite loss)");
        }
        if (validated) {
            ValidationRecord v = validations.get(validations.size() - 1);
            line.append(String.format(Locale.ROOT, "; valid HR@5 %.4f HR@20 %.4f NDCG@5 %.4f NDCG@20 %.4f%s",
                    v.hr5(), v.hr20(), v.ndcg5(), v.ndcg20(), v.improved() ? " (best)" : ""));
        }
        log.println(line);
        log.flush();
    }

    private static String describe(LossParts loss) {
        return String.format(Locale.ROOT, "loss %.4f (next %.4f, seq-cl %.4f, intent-cl %.4f, cluster %.4f)",
                loss.total(), loss.nextItem(), loss.sequenceContrast(), loss.intentContrast(), loss.cluster());
    }

    private static String brief(LossParts loss) {
        return String.format(Locale.ROOT, "loss %.3f = next %.3f + seq %.3f + intent %.3f + cluster %.3f",
                loss.total(), loss.nextItem(), loss.sequenceContrast(), loss.intentContrast(), loss.cluster());
    }

    static String describe(RankingMetrics m) {
        return String.format(Locale.ROOT, "HR@5 %.4f HR@20 %.4f NDCG@5 %.4f NDCG@20 %.4f", m.hr5(), m.hr20(),
                m.ndcg5(), m.ndcg20());
    }

    private static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Running mean of the loss parts of applied steps; NaN parts when no step was applied. */
    private static final class LossMean {
        private double total;
        private double nextItem;
        private double sequenceContrast;
        private double intentContrast;
        private double cluster;
        private int count;

        void add(LossParts loss) {
            total += loss.total();
            nextItem += loss.nextItem();
            sequenceContrast += loss.sequenceContrast();
            intentContrast += loss.intentContrast();
            cluster += loss.cluster();
            count++;
        }

        LossParts result() {
            double n = count;
            return new LossParts((float) (total / n), (float) (nextItem / n), (float) (sequenceContrast / n),
                    (float) (intentContrast / n), (float) (cluster / n));
        }
    }

    /** The output directory does not hold what {@link #run()} or {@link #resume()} was asked to do with it. */
    public static final class RunConflict extends IllegalStateException {
        RunConflict(String message) {
            super(message);
        }
    }
}
