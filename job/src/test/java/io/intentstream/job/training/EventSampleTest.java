package io.intentstream.job.training;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventSampleTest {

    @Test
    void choosesAboutTheFractionOfSequentialIds() {
        for (double fraction : new double[] {0.1, 0.25, 0.5}) {
            EventSample sample = EventSample.training(fraction);
            int chosen = 0;
            for (int i = 0; i < 100_000; i++) {
                if (sample.chooses("e-" + i)) {
                    chosen++;
                }
            }
            assertThat(chosen / 100_000.0).as("fraction %s", fraction).isCloseTo(fraction,
                    org.assertj.core.data.Offset.offset(0.01));
        }
    }

    @Test
    void zeroChoosesNoneAndOneChoosesAll() {
        for (int i = 0; i < 1_000; i++) {
            assertThat(EventSample.training(0).chooses("e-" + i)).isFalse();
            assertThat(EventSample.training(1).chooses("e-" + i)).isTrue();
        }
    }

    @Test
    void aSmallerFractionChoosesASubsetOfALargerOne() {
        EventSample tenth = EventSample.training(0.1);
        EventSample half = EventSample.training(0.5);
        for (int i = 0; i < 10_000; i++) {
            if (tenth.chooses("e-" + i)) {
                assertThat(half.chooses("e-" + i)).isTrue();
            }
        }
    }

    @Test
    void trainingAndPrequentialSamplesAreIndependent() {
        EventSample training = EventSample.training(0.5);
        EventSample prequential = new EventSample(0.5, EventSample.PREQUENTIAL_SALT);
        int both = 0;
        for (int i = 0; i < 100_000; i++) {
            if (training.chooses("e-" + i) && prequential.chooses("e-" + i)) {
                both++;
            }
        }
        assertThat(both / 100_000.0).isCloseTo(0.25, org.assertj.core.data.Offset.offset(0.01));
    }

    @Test
    void rejectsAFractionOutsideZeroToOne() {
        assertThatThrownBy(() -> EventSample.training(1.5)).hasMessage("fraction must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> EventSample.training(Double.NaN)).hasMessageContaining("got NaN");
    }
}
