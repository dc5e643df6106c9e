package io.intentstream.job.training;

import static io.intentstream.job.training.TinyTrainingModel.BATCH;
import static io.intentstream.job.training.TinyTrainingModel.T;
import static io.intentstream.job.training.TinyTrainingModel.TOP_N;
import static io.intentstream.job.training.TinyTrainingModel.WARM_UP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.intentstream.job.history.SequenceEvent;
import io.intentstream.model.ElcRecModel;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.SequenceWindows;
import io.intentstream.model.catalog.ItemFingerprint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * training.centre-refit-at-step: from the model's N-th step on, the next warm-up's worth of windows is clustered
 * again, once, by the encoder as it has trained; a restore in the middle of it ends where an uninterrupted trainer
 * does. Tiny real model ({@link TinyTrainingModel}: k 4, warm-up 8 windows, batches of 8).
 */
class CentreRefitTest {

    private static final long REFIT_STEP = 5;

    /** Events of 4 users over items 0-39, so every batch after the first trains and no item is evicted. */
    private static UserWindowStream stream() {
        return new UserWindowStream(11, 4, T);
    }

    /** Feeds both trainers the same batches until {@code refitting} has taken {@link #REFIT_STEP} steps. */
    private static void trainUpToTheRefitStep(OnlineTrainer refitting, OnlineTrainer plain, UserWindowStream events) {
        while (refitting.modelVersion() < REFIT_STEP) {
            List<SequenceEvent> batch = events.events(BATCH, 0, 40);
            refitting.process(batch, TOP_N, Instant.EPOCH);
            plain.process(batch, TOP_N, Instant.EPOCH);
            assertThat(refitting.checksum()).as("the same model until the refit").isEqualTo(plain.checksum());
            assertThat(refitting.centresFittedAt()).as("only the first fit").isEqualTo(plain.centresFittedAt())
                    .isLessThan(REFIT_STEP);
        }
    }

    /** A batch of users seen for the first time: nothing to train on, so the batch fits the centres and steps not. */
    private static List<SequenceEvent> newUsers(UserWindowStream events, int count) {
        List<SequenceEvent> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(events.event("new" + i, "i" + (i % 40)));
        }
        return batch;
    }

    @Test
    void refitsOnceByKMeansOnTheTrainedEncoder() {
        try (OnlineTrainer refitting = OnlineTrainer.create(TinyTrainingModel.config(), WARM_UP);
                OnlineTrainer plain = OnlineTrainer.create(TinyTrainingModel.config(), WARM_UP)) {
            refitting.refitCentresAtStep(REFIT_STEP);
            UserWindowStream events = stream();
            assertThat(refitting.centresFittedAt()).as("not fitted before the warm-up").isEqualTo(-1);
            trainUpToTheRefitStep(refitting, plain, events);
            assertThat(refitting.centresFittedAt()).as("fitted before the first batch's step").isZero();
            ModelSnapshot beforeRefit = ModelSnapshot.fromBytes(refitting.snapshot());

            List<SequenceEvent> batch = newUsers(events, WARM_UP);
            OnlineTrainer.BatchOutcome outcome = refitting.process(batch, TOP_N, Instant.EPOCH);
            plain.process(batch, TOP_N, Instant.EPOCH);

            assertThat(outcome.trained()).isFalse();
            assertThat(refitting.centresFittedAt()).isEqualTo(REFIT_STEP);
            assertThat(plain.centresFittedAt()).isZero();
            // The refit is k-means on these windows as the model before the batch embeds them.
            try (ElcRecModel twin = ElcRecModel.restore(beforeRefit)) {
                twin.initialiseCentres(windowsOf(batch, refitting));
                assertThat(refitting.model().centres()).isDeepEqualTo(twin.centres());
            }
            assertThat(Arrays.deepEquals(refitting.model().centres(), plain.model().centres()))
                    .as("the refit moved the centres").isFalse();

            for (int i = 0; i < 3; i++) {
                List<SequenceEvent> later = events.events(BATCH, 0, 40);
                refitting.process(later, TOP_N, Instant.EPOCH);
            }
            assertThat(refitting.centresFittedAt()).as("once").isEqualTo(REFIT_STEP);
            assertThat(refitting.warmUpSequences()).isEmpty();
        }
    }

    @Test
    void aRestoreInTheMiddleOfTheRefitEndsWhereAnUninterruptedTrainerDoes() {
        int warmUp = 2 * BATCH; // the refit's windows span two batches
        try (OnlineTrainer uninterrupted = OnlineTrainer.create(TinyTrainingModel.config(), warmUp);
                OnlineTrainer plain = OnlineTrainer.create(TinyTrainingModel.config(), warmUp)) {
            uninterrupted.refitCentresAtStep(REFIT_STEP);
            UserWindowStream events = stream();
            trainUpToTheRefitStep(uninterrupted, plain, events);
            uninterrupted.process(events.events(BATCH, 0, 40), TOP_N, Instant.EPOCH);
            assertThat(uninterrupted.warmUpSequences()).as("half the refit's windows").hasSize(BATCH);
            byte[] snapshot = uninterrupted.snapshot();
            List<int[]> collected = uninterrupted.warmUpSequences();
            long fittedAt = uninterrupted.centresFittedAt();
            long loadedVersion = uninterrupted.modelVersion();
            List<SequenceEvent> rest = events.events(3 * BATCH, 0, 40);

            try (OnlineTrainer restored = OnlineTrainer.restore(snapshot, collected, warmUp);
                    OnlineTrainer restoredWithoutFitVersion = OnlineTrainer.restore(snapshot, collected, warmUp)) {
                restored.restoreCentresFittedAt(fittedAt);
                restored.refitCentresAtStep(REFIT_STEP);
                restoredWithoutFitVersion.refitCentresAtStep(REFIT_STEP);
                for (int start = 0; start < rest.size(); start += BATCH) {
                    List<SequenceEvent> batch = rest.subList(start, start + BATCH);
                    uninterrupted.process(batch, TOP_N, Instant.EPOCH);
                    restored.process(batch, TOP_N, Instant.EPOCH);
                    restoredWithoutFitVersion.process(batch, TOP_N, Instant.EPOCH);
                }
                assertThat(uninterrupted.centresFittedAt()).isGreaterThan(REFIT_STEP);
                assertThat(restored.centresFittedAt()).isEqualTo(uninterrupted.centresFittedAt());
                assertThat(restored.checksum()).isEqualTo(uninterrupted.checksum());
                // Without the checkpointed fit version a loaded model counts as fitted at its version, past the
                // step: it does not refit, and drops the windows collected for the refit.
                assertThat(restoredWithoutFitVersion.centresFittedAt()).isEqualTo(loadedVersion);
                assertThat(restoredWithoutFitVersion.warmUpSequences()).isEmpty();
                assertThat(restoredWithoutFitVersion.checksum()).isNotEqualTo(uninterrupted.checksum());
            }
        }
    }

    @Test
    void aFitVersionNeedsFittedCentres() {
        try (OnlineTrainer fresh = OnlineTrainer.create(TinyTrainingModel.config(), WARM_UP)) {
            assertThatThrownBy(() -> fresh.restoreCentresFittedAt(3)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not fitted");
            assertThatThrownBy(() -> fresh.refitCentresAtStep(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** The windows the trainer clusters for {@code batch}: each event's history and item, as rows, left-padded. */
    private static int[][] windowsOf(List<SequenceEvent> batch, OnlineTrainer trainer) {
        int[][] windows = new int[batch.size()][];
        for (int i = 0; i < batch.size(); i++) {
            SequenceEvent e = batch.get(i);
            long[] items = Arrays.copyOf(e.history, e.history.length + 1);
            items[e.history.length] = ItemFingerprint.of(e.itemId);
            int[] rows = Arrays.stream(items).mapToInt(f -> trainer.itemIndex().rowOf(f)).toArray();
            windows[i] = SequenceWindows.leftPad(rows, T);
        }
        return windows;
    }
}
