package io.intentstream.model.offline;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EarlyStoppingTest {

    @Test
    void stopsPatienceEpochsAfterTheBestAndTiesDoNotCountAsBetter() {
        EarlyStopping stopping = new EarlyStopping(2);
        assertThat(stopping.shouldStop(0)).isFalse();
        assertThat(stopping.offer(1, 0.10)).isTrue();
        assertThat(stopping.offer(2, 0.20)).isTrue();
        assertThat(stopping.offer(3, 0.20)).isFalse();
        assertThat(stopping.shouldStop(3)).isFalse();
        assertThat(stopping.offer(4, 0.15)).isFalse();
        assertThat(stopping.shouldStop(4)).isTrue();
        assertThat(stopping.bestEpoch()).isEqualTo(2);
    }

    @Test
    void countsEpochsNotValidationsWhenValidatingEveryFewEpochs() {
        EarlyStopping stopping = new EarlyStopping(3);
        stopping.offer(2, 0.3);
        stopping.offer(4, 0.2);
        assertThat(stopping.shouldStop(4)).isFalse();
        assertThat(stopping.shouldStop(5)).isTrue();
    }

    @Test
    void aRestartedPatienceCountsFromTheRestartUntilABetterScoreComes() {
        EarlyStopping stopping = new EarlyStopping(2);
        stopping.offer(1, 0.3);
        stopping.offer(3, 0.2);
        assertThat(stopping.shouldStop(3)).isTrue();
        stopping.restartPatience(3);
        assertThat(stopping.shouldStop(4)).isFalse();
        assertThat(stopping.shouldStop(5)).isTrue();
        stopping.restartPatience(5);
        assertThat(stopping.offer(6, 0.4)).isTrue();
        assertThat(stopping.shouldStop(7)).isFalse();
        assertThat(stopping.shouldStop(8)).isTrue();

        EarlyStopping resumed = new EarlyStopping(2);
        resumed.restore(1, 0.3, 3);
        assertThat(resumed.shouldStop(4)).isFalse();
        assertThat(resumed.shouldStop(5)).isTrue();
    }

    @Test
    void nanScoresNeverBecomeTheBest() {
        EarlyStopping stopping = new EarlyStopping(1);
        assertThat(stopping.offer(1, Double.NaN)).isFalse();
        assertThat(stopping.hasBest()).isFalse();
        assertThat(stopping.shouldStop(5)).isFalse();
        assertThat(stopping.offer(2, -1.0)).isTrue();
        assertThat(stopping.offer(3, Double.NaN)).isFalse();
        assertThat(stopping.bestEpoch()).isEqualTo(2);
    }
}
