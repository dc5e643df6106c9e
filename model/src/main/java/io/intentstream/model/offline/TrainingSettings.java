package io.intentstream.model.offline;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.NextItemLossType;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How one offline training run is driven, validated once here. The model's own hyper-parameters come from the
 * preset (spec §5 table) with the ablation, loss, device and seed applied by {@link #modelConfig(int)}.
 *
 * @param preset one of {@link ElcRecConfig#PRESETS}
 * @param epochs the cap on training epochs (spec: 300)
 * @param patience stop after this many epochs without a better validation NDCG@20 (spec: 40)
 * @param evalEvery validate every this many epochs; the last epoch is always validated
 * @param batchSize training sequences per optimiser step (spec: 256)
 * @param seed seeds the model (initialisation, dropout, augmentation, negatives) and the epoch shuffles
 * @param outputDirectory where results.json, best-model.bin and training.png are written
 * @param showProgress whether a progress bar per epoch is drawn on stderr
 * @param contrastPositives what the sequence contrast compares each training sequence with; runs started before it
 *     existed compare equal on resume ({@code OfflineTrainer}'s run key, {@link SettingsOfOlderRuns})
 * @param plateauDecay what happens when validation stops improving for the patience: lower the learning rate from
 *     the best model, or stop
 * @param trainingWindows whether a user's training targets older than its last window of T items are trained on;
 *     runs started before it existed compare equal on resume as {@link TrainingWindows#LAST}
 * @param centreRefitEpoch after the training of this epoch (before its validation) the centres are fitted again by
 *     k-means, to the embeddings the trained encoder gives the training sequences; 0, the reference's, never: its
 *     centres keep their fit to the untrained encoder and move only with the gradient. Runs started before it existed
 *     compare equal on resume as 0
 */
public record TrainingSettings(
        String preset,
        Ablation ablation,
        NextItemLossType nextItemLoss,
        Device device,
        int epochs,
        int patience,
        int evalEvery,
        int batchSize,
        long seed,
        @JsonIgnore Path outputDirectory,
        boolean showProgress,
        ContrastPositives contrastPositives,
        PlateauDecay plateauDecay,
        TrainingWindows trainingWindows,
        int centreRefitEpoch) {

    public static final int DEFAULT_EPOCHS = 300;
    public static final int DEFAULT_PATIENCE = 40;
    public static final int DEFAULT_BATCH_SIZE = 256;
    public static final long DEFAULT_SEED = 42L;
    static final PlateauDecay TUNED_PLATEAU_DECAY = new PlateauDecay(1, PlateauDecay.DEFAULT_FACTOR);
    /** The epoch after which the {@code beauty} preset fits its centres again (see {@link #presetCentreRefitEpoch}). */
    static final int TUNED_BEAUTY_CENTRE_REFIT_EPOCH = 20;

    public TrainingSettings {
        if (preset == null || !ElcRecConfig.PRESETS.contains(preset.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException(
                    "Unknown preset '" + preset + "'; known presets: " + String.join(", ", ElcRecConfig.PRESETS));
        }
        preset = preset.toLowerCase(Locale.ROOT);
        require(ablation != null, "ablation must be set");
        require(nextItemLoss != null, "nextItemLoss must be set");
        require(device != null, "device must be set");
        require(epochs >= 1, "epochs must be at least 1, got " + epochs);
        require(patience >= 1, "patience must be at least 1, got " + patience);
        require(evalEvery >= 1, "evalEvery must be at least 1, got " + evalEvery);
        require(batchSize >= 1, "batchSize must be at least 1, got " + batchSize);
        require(outputDirectory != null, "outputDirectory must be set");
        require(contrastPositives != null, "contrastPositives must be set");
        require(plateauDecay != null, "plateauDecay must be set");
        require(trainingWindows != null, "trainingWindows must be set");
        require(centreRefitEpoch >= 0, "centreRefitEpoch must be at least 0 (never), got " + centreRefitEpoch);
        require(centreRefitEpoch == 0 || ablation.usesCentres(),
                "refitting the centres needs an ablation that uses them (full, ccl or cluster), not "
                        + ablation.cliName());
        require(contrastPositives == ContrastPositives.AUGMENTED || ablation.contrast(),
                "positives for the sequence contrast need an ablation that trains it (full or ccl), not "
                        + ablation.cliName());
    }

    /** The settings of a run whose centres keep their first fit, as the reference's do. */
    public TrainingSettings(String preset, Ablation ablation, NextItemLossType nextItemLoss, Device device, int epochs,
            int patience, int evalEvery, int batchSize, long seed, Path outputDirectory, boolean showProgress,
            ContrastPositives contrastPositives, PlateauDecay plateauDecay, TrainingWindows trainingWindows) {
        this(preset, ablation, nextItemLoss, device, epochs, patience, evalEvery, batchSize, seed, outputDirectory,
                showProgress, contrastPositives, plateauDecay, trainingWindows, 0);
    }

    /** The settings of a run that trains on each user's last window only, as the reference does. */
    public TrainingSettings(String preset, Ablation ablation, NextItemLossType nextItemLoss, Device device, int epochs,
            int patience, int evalEvery, int batchSize, long seed, Path outputDirectory, boolean showProgress,
            ContrastPositives contrastPositives, PlateauDecay plateauDecay) {
        this(preset, ablation, nextItemLoss, device, epochs, patience, evalEvery, batchSize, seed, outputDirectory,
                showProgress, contrastPositives, plateauDecay, TrainingWindows.LAST);
    }

    /** The settings of a run that stops at its first plateau, as the reference's does. */
    public TrainingSettings(String preset, Ablation ablation, NextItemLossType nextItemLoss, Device device, int epochs,
            int patience, int evalEvery, int batchSize, long seed, Path outputDirectory, boolean showProgress,
            ContrastPositives contrastPositives) {
        this(preset, ablation, nextItemLoss, device, epochs, patience, evalEvery, batchSize, seed, outputDirectory,
                showProgress, contrastPositives, PlateauDecay.NONE);
    }

    /** The settings of a run whose sequence contrast compares two augmentations of each sequence (ELCRec's). */
    public TrainingSettings(String preset, Ablation ablation, NextItemLossType nextItemLoss, Device device, int epochs,
            int patience, int evalEvery, int batchSize, long seed, Path outputDirectory, boolean showProgress) {
        this(preset, ablation, nextItemLoss, device, epochs, patience, evalEvery, batchSize, seed, outputDirectory,
                showProgress, ContrastPositives.AUGMENTED);
    }

    /**
     * The spec's schedule for {@code preset} with the preset's own next-item loss and plateau decay, writing to
     * {@code outputDirectory}.
     */
    public static TrainingSettings defaults(String preset, Path outputDirectory) {
        return new TrainingSettings(preset, Ablation.FULL, presetLoss(preset), Device.AUTO,
                DEFAULT_EPOCHS, DEFAULT_PATIENCE, 1, DEFAULT_BATCH_SIZE, DEFAULT_SEED, outputDirectory, true,
                ContrastPositives.AUGMENTED, presetPlateauDecay(preset), presetWindows(preset),
                presetCentreRefitEpoch(preset, Ablation.FULL));
    }

    /** The preset's model configuration for a catalogue of {@code itemCount} items, with this run's choices. */
    public ElcRecConfig modelConfig(int itemCount) {
        ElcRecConfig preset = ElcRecConfig.preset(this.preset, itemCount);
        return ablation.applyTo(preset.toBuilder().nextItemLoss(nextItemLoss).device(device).seed(seed).build());
    }

    /** The next-item loss {@code preset} trains with when no other is asked for. */
    public static NextItemLossType presetLoss(String preset) {
        return ElcRecConfig.preset(preset, 1).nextItemLoss();
    }

    /**
     * What a run of {@code preset} does at a plateau when not told: {@code beauty} and {@code sports} lower their
     * learning rate once, chosen on validation with every seed up (docs/results.md, "Lowering the learning rate at
     * the plateau" and "The decay on Sports: three seeds"); the others stop at the first plateau, as the reference
     * does, until a screen has measured them.
     */
    public static PlateauDecay presetPlateauDecay(String preset) {
        return switch (preset.toLowerCase(Locale.ROOT)) {
            case "beauty", "sports" -> TUNED_PLATEAU_DECAY;
            default -> PlateauDecay.NONE;
        };
    }

    /**
     * The training windows {@code preset} trains on when not told: {@code beauty} and {@code sports}, whose window is
     * 20 items, train on every target (docs/results.md, "A window of 20 with every target" and "Sports at alpha 0.1
     * with a window of 20 and every target"); the others on each user's last window, as the reference does.
     */
    public static TrainingWindows presetWindows(String preset) {
        return switch (preset.toLowerCase(Locale.ROOT)) {
            case "beauty", "sports" -> TrainingWindows.ALL;
            default -> TrainingWindows.LAST;
        };
    }

    /**
     * After which epoch a run of {@code preset} with {@code ablation} fits its centres again when not told (0: never):
     * {@code beauty} after epoch 20, which on three seeds kept the ranking and spread the users over more than twice
     * the effective intents (docs/results.md, "The refit on three seeds"); the others never, as the reference, until
     * a screen has measured them; ablations without centres never.
     */
    public static int presetCentreRefitEpoch(String preset, Ablation ablation) {
        boolean refits = preset.toLowerCase(Locale.ROOT).equals("beauty") && ablation.usesCentres();
        return refits ? TUNED_BEAUTY_CENTRE_REFIT_EPOCH : 0;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
