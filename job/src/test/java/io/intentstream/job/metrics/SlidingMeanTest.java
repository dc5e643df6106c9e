package io.intentstream.job.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SlidingMeanTest {

    @Test
    void theMeanCoversOnlyTheLastWindowValues() {
        SlidingMean mean = new SlidingMean(3);
        assertThat(mean.mean()).isNaN();
        mean.add(1);
        mean.add(0);
        assertThat(mean.mean()).isCloseTo(0.5, within(1e-12));
        mean.add(1);
        mean.add(1);
        assertThat(mean.mean()).as("the first 1 and the 0 ... the 0 is still in").isCloseTo(2.0 / 3, within(1e-12));
        mean.add(1);
        assertThat(mean.mean()).isCloseTo(1.0, within(1e-12));
        assertThat(mean.size()).isEqualTo(3);
    }

    @Test
    void manyLapsDoNotAccumulateRoundingError() {
        SlidingMean mean = new SlidingMean(7);
        for (int i = 0; i < 1_000_000; i++) {
            mean.add(i % 2 == 0 ? 0.1 : 0.7);
        }
        double expected = (3 * 0.1 + 4 * 0.7) / 7; // the last 7 of an even count end on 0.7: 0.7,0.1,...,0.7
        assertThat(mean.mean()).isCloseTo(expected, within(1e-12));
    }

    @Test
    void rejectsNonFiniteValuesAndEmptyWindows() {
        assertThatThrownBy(() -> new SlidingMean(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SlidingMean(2).add(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
