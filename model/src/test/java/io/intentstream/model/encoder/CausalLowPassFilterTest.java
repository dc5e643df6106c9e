package io.intentstream.model.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.HashSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CausalLowPassFilterTest {

    /**
     * BSARec's filter is rfft, zero every frequency from c/2+1 on, irfft. As a matrix over a window of T that is
     * P[t][s] = (1/T) sum over the kept frequencies f of both signs of cos(2 pi f (t - s) / T); its last row is what
     * the causal filter applies at every position.
     */
    @ParameterizedTest
    @CsvSource({"50, 5", "50, 1", "50, 9", "8, 8", "7, 3", "7, 8", "4, 5"})
    void weightsAreTheLastRowOfBsaRecsLowPassOverTheWindow(int window, int cutoff) {
        int kept = cutoff / 2 + 1;
        float[] weights = CausalLowPassFilter.weightsByDistance(window, cutoff);
        for (int s = 0; s < window; s++) {
            int t = window - 1;
            double entry = 0;
            for (int f = 0; f < window; f++) {
                int frequency = Math.min(f, window - f); // rfft keeps 0..T/2; irfft mirrors them
                if (frequency < kept) {
                    entry += Math.cos(2 * Math.PI * f * (t - s) / window);
                }
            }
            entry /= window;
            assertThat((double) weights[t - s]).as("distance %d", t - s).isCloseTo(entry, within(1e-6));
        }
    }

    @Test
    void keepingEveryFrequencyPassesTheSignalUnchanged() {
        float[] weights = CausalLowPassFilter.weightsByDistance(8, 8);
        assertThat(weights[0]).isCloseTo(1f, within(1e-6f));
        for (int d = 1; d < 8; d++) {
            assertThat(weights[d]).as("distance %d", d).isCloseTo(0f, within(1e-6f));
        }
    }

    @Test
    void noUnitStartsAmplifyingItsHighFrequencies() {
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            CausalLowPassFilter filter = new CausalLowPassFilter(64, 50, 5, 0f);
            filter.initialize(manager, DataType.FLOAT32, new Shape(1, 50, 64), new Shape(1, 50, 1));
            float[] sqrtBeta = filter.getParameters().get("sqrt_beta").getArray().toFloatArray();
            Float[] units = toBoxed(sqrtBeta);
            assertThat(units).hasSize(64).allSatisfy(v -> assertThat(v * v).as("beta").isBetween(0f, 1f));
            assertThat(new HashSet<>(Arrays.asList(units))).as("units start apart").hasSizeGreaterThan(32);
        }
    }

    private static Float[] toBoxed(float[] values) {
        Float[] boxed = new Float[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return boxed;
    }

    @Test
    void aCutoffAboveTheWindowKeepsEveryFrequencyAndOneBelowOneIsRefused() {
        assertThat(CausalLowPassFilter.weightsByDistance(4, 5)).containsExactly(
                CausalLowPassFilter.weightsByDistance(4, 4), within(0f));
        assertThat(CausalLowPassFilter.weightsByDistance(7, 50)[0]).isCloseTo(1f, within(1e-6f));
        assertThatThrownBy(() -> CausalLowPassFilter.weightsByDistance(8, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cutoff must be at least 1, got 0");
    }
}
