package io.intentstream.model.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class UnitRowsTest {

    @Test
    void normaliseDividesEveryRowByItsLengthAndLeavesZeroRowsAtZero() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(new float[][] {{3f, 4f}, {0f, 0f}, {0f, -2f}});
            assertThat(UnitRows.normalise(x).toFloatArray())
                    .containsExactly(new float[] {0.6f, 0.8f, 0f, 0f, 0f, -1f}, within(1e-6f));
        }
    }

    @Test
    void renormaliseInPlaceRewritesTheValuesAndKeepsTheGradientFlag() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray centres = manager.create(new float[][] {{3f, 4f}, {0f, 0.5f}});
            centres.setRequiresGradient(true);
            UnitRows.renormaliseInPlace(centres);
            assertThat(centres.toFloatArray()).containsExactly(new float[] {0.6f, 0.8f, 0f, 1f}, within(1e-6f));
            assertThat(centres.hasGradient()).isTrue();
        }
    }
}
