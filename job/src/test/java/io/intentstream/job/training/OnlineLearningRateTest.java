package io.intentstream.job.training;

import static io.intentstream.job.training.TinyTrainingModel.BATCH;
import static io.intentstream.job.training.TinyTrainingModel.T;
import static io.intentstream.job.training.TinyTrainingModel.TOP_N;
import static io.intentstream.job.training.TinyTrainingModel.WARM_UP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.intentstream.job.history.SequenceEvent;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalDouble;

import org.junit.jupiter.api.Test;

/**
 * training.learning-rate: a trained snapshot continues with the same parameters and Adam moments but steps at the
 * job's rate, and the rate is then stored with the model. Tiny real model ({@link TinyTrainingModel}).
 */
class OnlineLearningRateTest {

    @Test
    void aRestoredModelStepsAtTheGivenRateFromTheSameState() {
        List<SequenceEvent> events = new UserWindowStream(23, 5, T).events(6 * BATCH, 0, 30);
        byte[] trained;
        try (OnlineTrainer trainer = OnlineTrainer.create(TinyTrainingModel.config(), WARM_UP)) {
            for (int from = 0; from < 5 * BATCH; from += BATCH) {
                trainer.process(events.subList(from, from + BATCH), TOP_N, Instant.EPOCH);
            }
            assertThat(trainer.modelVersion()).isPositive();
            trained = trainer.snapshot();
        }
        List<SequenceEvent> next = events.subList(5 * BATCH, 6 * BATCH);
        try (OnlineTrainer stored = OnlineTrainer.restore(trained, List.of(), WARM_UP, 0, OptionalDouble.empty());
                OnlineTrainer sameRate = OnlineTrainer.restore(trained, List.of(), WARM_UP, 0, OptionalDouble.of(1e-3));
                OnlineTrainer lower = OnlineTrainer.restore(trained, List.of(), WARM_UP, 0, OptionalDouble.of(1e-4))) {
            // The rate is a setting, not state: the same parameters and moments whatever it is.
            assertThat(stored.config().learningRate()).isEqualTo(1e-3f);
            assertThat(lower.config().learningRate()).isEqualTo(1e-4f);
            assertThat(lower.checksum()).isEqualTo(stored.checksum());
            assertThat(lower.modelVersion()).isEqualTo(stored.modelVersion());

            stored.process(next, TOP_N, Instant.EPOCH);
            sameRate.process(next, TOP_N, Instant.EPOCH);
            lower.process(next, TOP_N, Instant.EPOCH);

            // Giving the stored rate changes nothing; another rate takes another step from the same state.
            assertThat(sameRate.checksum()).isEqualTo(stored.checksum());
            assertThat(lower.checksum()).isNotEqualTo(stored.checksum());
            assertThat(lower.modelVersion()).isEqualTo(stored.modelVersion());

            // The rate travels with the model into its next snapshot (and so into checkpoints and exports).
            try (OnlineTrainer again = OnlineTrainer.restore(lower.snapshot(), List.of(), WARM_UP)) {
                assertThat(again.config().learningRate()).isEqualTo(1e-4f);
                assertThat(again.checksum()).isEqualTo(lower.checksum());
            }
        }
    }

    @Test
    void theOperatorRefusesARateThatIsNotPositive() {
        IntentTrainingOperator operator = new IntentTrainingOperator(TinyTrainingModel.config(), BATCH, Duration.ofMinutes(10),
                Duration.ofDays(1), TOP_N, WARM_UP);
        assertThatThrownBy(() -> operator.withOnlineLearningRate(OptionalDouble.of(0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("learning rate must be a positive number, got 0.0");
        assertThatThrownBy(() -> operator.withOnlineLearningRate(OptionalDouble.of(Double.NaN)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
