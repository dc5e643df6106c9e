package io.intentstream.job.cli;

import io.intentstream.job.replay.FileSystemModelExport;
import io.intentstream.model.ContrastSimilarity;
import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.Fusion;
import io.intentstream.model.PositionEncoding;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.export.BenchmarkItems;
import io.intentstream.model.export.ModelExport;
import io.intentstream.model.offline.RankingMetrics;
import io.intentstream.model.NextItemLossType;
import io.intentstream.model.offline.Ablation;
import io.intentstream.model.offline.BenchmarkDataset;
import io.intentstream.model.offline.ContrastPositives;
import io.intentstream.model.offline.OfflineTrainer;
import io.intentstream.model.offline.PlateauDecay;
import io.intentstream.model.offline.TrainingReport;
import io.intentstream.model.offline.TrainingSettings;
import io.intentstream.model.offline.TrainingWindows;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code train}: offline ELCRec training on a benchmark file, as the paper's reference runs. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = {
            "Trains ELCRec offline on a benchmark file (leave-one-out split, early stopping on validation NDCG@20) "
                    + "and tests the best model under the reference and the strict protocol.",
            "Writes DIR/results.json and DIR/training.png after every epoch, and DIR/best-model.bin whenever "
                    + "validation improves.",
            "A stopped run (killed, or its --epochs reached) continues with --resume and the same options; "
                    + "it ends with the same model as a run that was never stopped."
        })
public final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    BenchmarkDataOption data;

    @Option(names = "--preset", required = true, paramLabel = "NAME",
            description = "Dataset preset: beauty, sports, toys, yelp (cross-entropy, cosine contrast at 0.2, the "
                    + "spec's k, alpha, fusion and layers; beauty: alpha 0.1, 2 layers, the low-pass filter at "
                    + "0.9, T 20; sports: alpha 0.1, the filter at 0.7, T 20), or NAME-reference for the spec's "
                    + "settings as they are.")
    String preset;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created).")
    Path out;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "" + TrainingSettings.DEFAULT_EPOCHS,
            description = "Epoch cap (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--patience", paramLabel = "P", defaultValue = "" + TrainingSettings.DEFAULT_PATIENCE,
            description = "Stop after P epochs without a better validation NDCG@20 (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--lr-decays", paramLabel = "N",
            description = "At a plateau (P epochs without a better validation NDCG@20), go back to the best model "
                    + "and continue at the learning rate times --lr-decay-factor, up to N times, before stopping "
                    + "early; 0 stops at the first plateau (default: the preset's, 1 for beauty and sports, 0 for "
                    + "the others; with --resume, the run's own).")
    Integer learningRateDecays;

    @Option(names = "--lr-decay-factor", paramLabel = "F",
            description = "What --lr-decays multiplies the learning rate by, in (0, 1) (default: "
                    + PlateauDecay.DEFAULT_FACTOR + "; with --resume, the run's own).")
    Float learningRateDecayFactor;

    @Option(names = "--eval-every", paramLabel = "E", defaultValue = "1",
            description = "Validate every E epochs; the last epoch is always validated (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "" + TrainingSettings.DEFAULT_BATCH_SIZE,
            description = "Training sequences per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "" + TrainingSettings.DEFAULT_SEED,
            description = "Seed of the model and of the epoch shuffles (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--ablation", paramLabel = "X", defaultValue = "full", converter = AblationConverter.class,
            description = "sasrec (next-item loss only), ccl (+ contrast), cluster (+ cluster loss), full "
                    + "(default: ${DEFAULT-VALUE}).")
    Ablation ablation;

    @Option(names = "--positives", paramLabel = "augmented|same-target", defaultValue = "augmented",
            converter = PositivesConverter.class,
            description = "What the sequence contrast compares each training sequence with: augmented (two crops, "
                    + "masks or reorders of it, ELCRec's) or same-target (it and another user's sequence that "
                    + "leads to the same next item, DuoRec's supervised positives; a sequence whose target no "
                    + "other user shares keeps the augmentations) (default: ${DEFAULT-VALUE}).")
    ContrastPositives positives;

    @Option(names = "--windows", paramLabel = "last|all", converter = WindowsConverter.class,
            description = "Which training targets of a user with more than T of them are trained on: last (those "
                    + "of its last T items, as the reference) or all (the windows before as well, each target once "
                    + "an epoch) (default: the preset's: all for beauty and sports, whose T is 20, last for the "
                    + "others).")
    TrainingWindows windows;

    @Option(names = "--refit-centres-after", paramLabel = "N",
            description = "After training epoch N, fit the intent centres again by k-means to the trained encoder's "
                    + "embeddings of the training sequences (the first fit sees the untrained encoder, and the "
                    + "gradient alone leaves most centres without users); 0 never, as the reference (default: the "
                    + "preset's, 20 for beauty, 0 for the others and for ablations without centres; with --resume, "
                    + "the run's own).")
    Integer refitCentresAfter;

    @Option(names = "--loss", paramLabel = "bce|softmax|sampled", converter = LossConverter.class,
            description = "Next-item loss: bce (one sampled negative, the reference), softmax (full cross-entropy) or "
                    + "sampled (cross-entropy against --sampled-negatives items drawn per batch) (default: the "
                    + "preset's: softmax, and bce for the *-reference presets).")
    NextItemLossType loss;

    @Option(names = "--sampled-negatives", paramLabel = "S",
            description = "Negatives drawn per batch by --loss sampled (default 1024).")
    Integer sampledNegatives;

    @Option(names = "--device", paramLabel = "auto|cpu|gpu", defaultValue = "auto", converter = DeviceConverter.class,
            description = "Where the model runs; gpu fails when there is none (default: ${DEFAULT-VALUE}).")
    Device device;

    @Option(names = "--clusters", paramLabel = "K", description = "Override the preset's number of intents k.")
    Integer clusters;

    @Option(names = "--max-length", paramLabel = "T", description = "Override the input length T (default: the preset's, "
            + "beauty and sports 20, the others 50).")
    Integer maxLength;

    @Option(names = "--hidden-size", paramLabel = "D", description = "Override the hidden size d (default 64).")
    Integer hiddenSize;

    @Option(names = "--layers", paramLabel = "L",
            description = "Override the preset's number of Transformer blocks (beauty, sports and yelp 2, toys 3; "
                    + "beauty-reference 1).")
    Integer layers;

    @Option(names = "--heads", paramLabel = "H", description = "Override the attention heads per block (default 2).")
    Integer heads;

    @Option(names = "--hidden-dropout", paramLabel = "P",
            description = "Override the dropout on embeddings and block outputs (default 0.5).")
    Float hiddenDropout;

    @Option(names = "--attention-dropout", paramLabel = "P",
            description = "Override the dropout on attention weights (default 0.5).")
    Float attentionDropout;

    @Option(names = "--fusion", paramLabel = "shift|concat", converter = FusionConverter.class,
            description = "Override how a contrasted view is fused with its nearest centre (beauty shift, the "
                    + "others concat).")
    Fusion fusion;

    @Option(names = "--positions", paramLabel = "window|from-start|distance", converter = PositionsConverter.class,
            description = "Override how the encoder places items: a position row by slot in the padded window "
                    + "(default) or by how many items precede it, or no row and a learned attention score per "
                    + "query-key distance. The last two read every prefix in training as scoring reads it.")
    PositionEncoding positionEncoding;

    @Option(names = "--low-pass-weight", paramLabel = "A",
            description = "Mix a causal low-pass filter into every block's attention with weight A in [0, 1), as "
                    + "BSARec does (default: the preset's: 0.9 for beauty; 0.7, BSARec's Beauty setting, for "
                    + "sports; 0, attention alone, for the others).")
    Float lowPassWeight;

    @Option(names = "--low-pass-cutoff", paramLabel = "C",
            description = "BSARec's c: the filter keeps the lowest C/2+1 frequencies of the window (default 5).")
    Integer lowPassCutoff;

    @Option(names = "--wavelet-weight", paramLabel = "G",
            description = "Mix WEARec's Haar wavelet branch, made causal, into the low-pass filter with share G in "
                    + "[0, 1): each position's average with the item before it plus their difference scaled per "
                    + "hidden unit; needs a low-pass weight above 0 (default: the preset's, 0).")
    Float waveletWeight;

    @Option(names = "--weight-average-decay", paramLabel = "D",
            description = "Evaluate, select and save for scoring an exponential moving average of the weights with "
                    + "decay D in [0, 1), spanning about 1/(1-D) steps (during a warm-up a ninth of the steps so "
                    + "far, whichever is shorter), while the raw weights train (default 0: the raw weights).")
    Float weightAverageDecay;

    @Option(names = "--item-bias", negatable = true, fallbackValue = "true",
            description = "Add a learned bias per item to every next-item score, h·e + b (BERT4Rec's output bias) "
                    + "(default: the preset's, off).")
    Boolean itemBias;

    @Option(names = "--learning-rate", paramLabel = "LR", description = "Override Adam's learning rate (default 1e-3).")
    Float learningRate;

    @Option(names = "--cluster-loss-weight", paramLabel = "ALPHA",
            description = "Override the preset's cluster-loss weight alpha (beauty, sports and yelp 0.1, "
                    + "beauty-reference 10, sports-reference and toys 1).")
    Float clusterLossWeight;

    @Option(names = "--sequence-contrast-weight", paramLabel = "W",
            description = "Override the sequence contrast's weight (default 0.1).")
    Float sequenceContrastWeight;

    @Option(names = "--intent-contrast-weight", paramLabel = "W",
            description = "Override the intent contrast's weight (default 0.1).")
    Float intentContrastWeight;

    @Option(names = "--contrast-similarity", paramLabel = "dot|cosine", converter = SimilarityConverter.class,
            description = "How the contrastive terms compare representations: dot (the reference) or cosine "
                    + "(L2-normalised; pair with --temperature below 1) (default: the preset's: cosine, and dot for the "
                    + "*-reference presets).")
    ContrastSimilarity contrastSimilarity;

    @Option(names = "--temperature", paramLabel = "TAU",
            description = "Temperature of the contrastive terms (default: the preset's: 0.2, and 1.0 for the "
                    + "*-reference presets).")
    Float temperature;

    @Option(names = "--resume", description = "Continue the run in --out after its last completed epoch "
            + "(same options; --epochs, --patience and --lr-decays may change).")
    boolean resume;

    @Option(names = "--no-progress", description = "Do not draw the per-epoch progress bar on stderr.")
    boolean noProgress;

    @Option(names = "--no-test", description = "End without reading the test split (screens and tuning, which must "
            + "choose on validation alone); the finished run's --resume without it reads the test split once.")
    boolean noTest;

    @Option(names = "--export", paramLabel = "DIR|URI",
            description = "Also leave the best model there as a versioned snapshot (model.bin + manifest.json with "
                    + "the test metrics), the format `replay --init-model` and the job's model.init-path read: a "
                    + "directory, or a Flink file system URI such as s3://bucket/models (its plugin in ./plugins).")
    String export;

    @Option(names = "--export-retention", paramLabel = "K", defaultValue = "5",
            description = "Snapshots kept in the --export directory (default: ${DEFAULT-VALUE}).")
    int exportRetention;

    @Override
    public Integer call() throws IOException {
        TrainingSettings settings;
        try {
            NextItemLossType nextItemLoss = loss != null ? loss : TrainingSettings.presetLoss(preset);
            TrainingWindows trainingWindows = windows != null ? windows : TrainingSettings.presetWindows(preset);
            settings = new TrainingSettings(preset, ablation, nextItemLoss, device, epochs, patience, evalEvery,
                    batchSize, seed, out, !noProgress, positives, plateauDecay(), trainingWindows,
                    centreRefitEpoch());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (exportRetention < 1) {
            throw new ParameterException(spec.commandLine(), "--export-retention must be at least 1, got "
                    + exportRetention);
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new ParameterException(spec.commandLine(), "--out " + out + " exists and is not a directory");
        }
        if (export != null) {
            FlinkFileSystems.initialize();
            FlinkFileSystems.requireReachable(spec, "--export", export);
        }
        BenchmarkDataset dataset = data.read();
        ElcRecConfig config = modelConfig(settings, dataset.itemCount());

        PrintWriter log = spec.commandLine().getOut();
        OfflineTrainer trainer = new OfflineTrainer(settings, config, dataset, log, System.err);
        if (noTest) {
            trainer.withoutTest();
        }
        TrainingReport report;
        try {
            report = resume ? trainer.resume() : trainer.run();
        } catch (OfflineTrainer.RunConflict e) {
            throw new ParameterException(spec.commandLine(), e.getMessage() + (resume ? "" : " (--resume)"), e);
        }
        log.printf(Locale.ROOT, "%s after %d epochs (best %d); results in %s, best model in %s%n",
                report.status(), report.epochsRun(), report.bestEpoch(), trainer.resultsFile(),
                trainer.bestModelFile());
        if (export != null) {
            log.printf(Locale.ROOT, "best model exported to %s%n", exportBest(trainer.bestModelFile(), report));
        }
        log.flush();
        return 0;
    }

    /**
     * The decay asked for, with what is not asked for taken from the run being resumed (so that the command a run
     * was started with resumes it as it was, even where a preset's default has changed since) or else from the
     * preset.
     */
    private PlateauDecay plateauDecay() throws IOException {
        PlateauDecay fallback = TrainingSettings.presetPlateauDecay(preset);
        if (resume) {
            fallback = OfflineTrainer.storedPlateauDecay(out).orElse(fallback);
        }
        return new PlateauDecay(learningRateDecays != null ? learningRateDecays : fallback.times(),
                learningRateDecayFactor != null ? learningRateDecayFactor : fallback.factor());
    }

    /** The refit asked for, or else the resumed run's own (as for the decay), or else the preset's. */
    private int centreRefitEpoch() throws IOException {
        if (refitCentresAfter != null) {
            return refitCentresAfter;
        }
        Optional<Integer> own = resume ? OfflineTrainer.storedCentreRefitEpoch(out) : Optional.empty();
        return own.orElseGet(() -> TrainingSettings.presetCentreRefitEpoch(preset, ablation));
    }

    /** Writes best-model.bin as a snapshot of {@code --export}, with the run's test metrics in its manifest. */
    private String exportBest(Path bestModel, TrainingReport report) {
        ModelSnapshot best = ModelExport.load(bestModel).snapshot();
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("epochs", (double) report.epochsRun());
        metrics.put("best_epoch", (double) report.bestEpoch());
        if (report.test() != null) {
            RankingMetrics test = report.test().reference();
            metrics.put("test_hr5", test.hr5());
            metrics.put("test_hr20", test.hr20());
            metrics.put("test_ndcg5", test.ndcg5());
            metrics.put("test_ndcg20", test.ndcg20());
        }
        if (report.bestValid() != null) {
            metrics.put("valid_ndcg20", report.bestValid().ndcg20());
        }
        // The identity item index makes the snapshot a stream's as well: the job's item-<n> is row n.
        return FlinkFileSystems.display(new FileSystemModelExport(export, exportRetention)
                .write(BenchmarkItems.withIdentityIndexIfMissing(best), "train", metrics));
    }

    private ElcRecConfig modelConfig(TrainingSettings settings, int itemCount) {
        try {
            ElcRecConfig.Builder b = settings.modelConfig(itemCount).toBuilder();
            if (clusters != null) {
                b.clusters(clusters);
            }
            if (maxLength != null) {
                b.maxSequenceLength(maxLength);
            }
            if (hiddenSize != null) {
                b.hiddenSize(hiddenSize);
            }
            if (layers != null) {
                b.layers(layers);
            }
            if (heads != null) {
                b.heads(heads);
            }
            if (hiddenDropout != null) {
                b.hiddenDropout(hiddenDropout);
            }
            if (attentionDropout != null) {
                b.attentionDropout(attentionDropout);
            }
            if (fusion != null) {
                b.fusion(fusion);
            }
            if (positionEncoding != null) {
                b.positionEncoding(positionEncoding);
            }
            if (lowPassWeight != null) {
                b.lowPassWeight(lowPassWeight);
            }
            if (lowPassCutoff != null) {
                b.lowPassCutoff(lowPassCutoff);
            }
            if (waveletWeight != null) {
                b.waveletWeight(waveletWeight);
            }
            if (weightAverageDecay != null) {
                b.weightAverageDecay(weightAverageDecay);
            }
            if (itemBias != null) {
                b.itemBias(itemBias);
            }
            if (learningRate != null) {
                b.learningRate(learningRate);
            }
            if (clusterLossWeight != null) {
                b.clusterLossWeight(clusterLossWeight);
            }
            if (sequenceContrastWeight != null) {
                b.sequenceContrastWeight(sequenceContrastWeight);
            }
            if (intentContrastWeight != null) {
                b.intentContrastWeight(intentContrastWeight);
            }
            if (contrastSimilarity != null) {
                b.contrastSimilarity(contrastSimilarity);
            }
            if (temperature != null) {
                b.temperature(temperature);
            }
            if (sampledNegatives != null) {
                b.sampledNegatives(sampledNegatives);
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "Invalid model setting: " + e.getMessage(), e);
        }
    }

    static final class AblationConverter implements ITypeConverter<Ablation> {
        @Override
        public Ablation convert(String value) {
            try {
                return Ablation.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A picocli converter for a closed set of case-insensitive names; its error lists them. */
    abstract static class NamedValueConverter<T> implements ITypeConverter<T> {

        private final Map<String, T> values;

        /** {@code namesAndValues}: name, value, name, value, ... in the order the error lists them. */
        NamedValueConverter(Object... namesAndValues) {
            Map<String, T> byName = new LinkedHashMap<>();
            for (int i = 0; i < namesAndValues.length; i += 2) {
                @SuppressWarnings("unchecked")
                T value = (T) namesAndValues[i + 1];
                byName.put((String) namesAndValues[i], value);
            }
            this.values = byName;
        }

        @Override
        public T convert(String name) {
            T value = values.get(name.toLowerCase(Locale.ROOT));
            if (value == null) {
                List<String> names = List.copyOf(values.keySet());
                String expected = names.size() == 1 ? names.get(0)
                        : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
                throw new TypeConversionException("expected " + expected + ", got '" + name + "'");
            }
            return value;
        }
    }

    static final class LossConverter extends NamedValueConverter<NextItemLossType> {
        LossConverter() {
            super("bce", NextItemLossType.BCE_ONE_NEGATIVE, "softmax", NextItemLossType.SOFTMAX_CE,
                    "sampled", NextItemLossType.SAMPLED_SOFTMAX);
        }
    }

    static final class SimilarityConverter extends NamedValueConverter<ContrastSimilarity> {
        SimilarityConverter() {
            super("dot", ContrastSimilarity.DOT, "cosine", ContrastSimilarity.COSINE);
        }
    }

    static final class FusionConverter extends NamedValueConverter<Fusion> {
        FusionConverter() {
            super("shift", Fusion.SHIFT, "concat", Fusion.CONCAT);
        }
    }

    static final class PositionsConverter extends NamedValueConverter<PositionEncoding> {
        PositionsConverter() {
            super("window", PositionEncoding.WINDOW, "from-start", PositionEncoding.FROM_START, "distance",
                    PositionEncoding.DISTANCE);
        }
    }

    static final class PositivesConverter extends NamedValueConverter<ContrastPositives> {
        PositivesConverter() {
            super("augmented", ContrastPositives.AUGMENTED, "same-target", ContrastPositives.SAME_TARGET);
        }
    }

    static final class WindowsConverter extends NamedValueConverter<TrainingWindows> {
        WindowsConverter() {
            super("last", TrainingWindows.LAST, "all", TrainingWindows.ALL);
        }
    }

    static final class DeviceConverter extends NamedValueConverter<Device> {
        DeviceConverter() {
            super("auto", Device.AUTO, "cpu", Device.CPU, "gpu", Device.GPU);
        }
    }
}
