package io.intentstream.model.offline;

import java.util.List;

/**
 * What a run needs besides the model to continue after it was stopped: written with {@code last-model.bin} after
 * every epoch, read by {@code train --resume}.
 *
 * @param runKey the settings and model configuration the run was started with, as JSON; a resume with different
 *     ones is refused, since the result would belong to neither
 * @param modelVersion the version of the model in {@code last-model.bin} when this state was written; a mismatch
 *     means the two files come from different epochs (a crash between the two renames)
 * @param bestEpoch early stopping's best epoch, 0 before any
 * @param bestScore early stopping's best validation NDCG@20
 * @param elapsedSeconds wall time of the run so far, so that the resumed run reports the whole
 * @param learningRateDrops the uses of the run's {@link PlateauDecay} so far; null in states written before it
 */
record TrainerState(
        String runKey,
        long modelVersion,
        List<EpochRecord> epochs,
        List<ValidationRecord> validations,
        int bestEpoch,
        double bestScore,
        double centreInitSeconds,
        double elapsedSeconds,
        List<LearningRateDrop> learningRateDrops) {

    List<LearningRateDrop> learningRateDropsOrNone() {
        return learningRateDrops == null ? List.of() : learningRateDrops;
    }
}
