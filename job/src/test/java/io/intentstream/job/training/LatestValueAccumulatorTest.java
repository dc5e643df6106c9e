package io.intentstream.job.training;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LatestValueAccumulatorTest {

    @Test
    void holdsTheLastAddedValue() {
        LatestValueAccumulator loss = new LatestValueAccumulator();
        assertThat(loss.getLocalValue()).isNaN();
        loss.add(3.0);
        loss.add(1.5);
        assertThat(loss.getLocalValue()).isEqualTo(1.5);
    }

    @Test
    void mergeKeepsTheSideThatSawMoreUpdates() {
        LatestValueAccumulator early = new LatestValueAccumulator();
        early.add(9.0);
        LatestValueAccumulator late = new LatestValueAccumulator();
        late.add(5.0);
        late.add(2.0);

        LatestValueAccumulator merged = early.clone();
        merged.merge(late);
        assertThat(merged.getLocalValue()).isEqualTo(2.0);

        LatestValueAccumulator reversed = late.clone();
        reversed.merge(early);
        assertThat(reversed.getLocalValue()).isEqualTo(2.0);
    }

    @Test
    void resetForgetsTheValue() {
        LatestValueAccumulator loss = new LatestValueAccumulator();
        loss.add(1.0);
        loss.resetLocal();
        assertThat(loss.getLocalValue()).isNaN();
    }
}
