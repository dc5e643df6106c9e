package io.intentstream.model.offline;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.cluster.IntentUsage;
import java.util.List;

/**
 * The content of results.json, rewritten after every epoch so that a running or killed run can be inspected.
 *
 * @param status {@code running}, {@code early_stopped} (patience ran out), {@code completed} (epoch cap reached) or
 *     {@code diverged} (the parameters became non-finite; the best model before that is tested)
 * @param validProtocol the protocol whose NDCG@20 selects the best epoch
 * @param secondsPerEpoch training seconds of each epoch (validation excluded, see {@link EpochRecord})
 * @param sequencesPerSecond training sequences per training second over the whole run
 * @param peakRssMb the process's VmHWM in MiB, null where unknown
 * @param centreInitSeconds the k-means initialisation of the centres; 0 when the ablation uses no centres
 * @param bestEpoch the epoch whose model is in best-model.bin; 0 before the first validation
 * @param learningRateDrops where the run's {@link PlateauDecay} lowered the learning rate, in order
 * @param test the best model's test metrics; null until training has ended, and when the run did not read test
 * @param intents how the users spread over the best model's intents, each assigned by their validation input
 *     ({@link OfflineEvaluation#intentUsage}); null until training has ended, and for an ablation without centres
 */
@JsonPropertyOrder({"preset", "ablation", "dataset", "seed", "status", "epochs_run", "best_epoch",
        "learning_rate_drops",
        "seconds_per_epoch", "sequences_per_second", "peak_rss_mb", "wall_seconds", "centre_init_seconds",
        "valid_protocol", "best_valid", "test", "intents", "valid", "epochs", "settings", "config"})
public record TrainingReport(
        String preset,
        String ablation,
        String dataset,
        long seed,
        String status,
        int epochsRun,
        int bestEpoch,
        List<LearningRateDrop> learningRateDrops,
        List<Double> secondsPerEpoch,
        double sequencesPerSecond,
        Double peakRssMb,
        double wallSeconds,
        double centreInitSeconds,
        String validProtocol,
        ValidationRecord bestValid,
        ProtocolMetrics test,
        IntentUsage intents,
        List<ValidationRecord> valid,
        List<EpochRecord> epochs,
        TrainingSettings settings,
        ElcRecConfig config) {

    public static final String RUNNING = "running";
    public static final String EARLY_STOPPED = "early_stopped";
    public static final String COMPLETED = "completed";
    public static final String DIVERGED = "diverged";
}
