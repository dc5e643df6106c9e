package io.intentstream.model.encoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.HashSet;
import java.util.SplittableRandom;
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
        Float[] units = toBoxed(initialParameter(0f, "sqrt_beta"));
        assertThat(units).hasSize(64).allSatisfy(v -> assertThat(v * v).as("beta").isBetween(0f, 1f));
        assertThat(new HashSet<>(Arrays.asList(units))).as("units start apart").hasSizeGreaterThan(32);
    }

    /** The initial values of parameter {@code name} of a filter over windows of 50 with 64 hidden units. */
    private static float[] initialParameter(float waveletWeight, String name) {
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            CausalLowPassFilter filter = new CausalLowPassFilter(64, 50, 5, 0f, waveletWeight);
            filter.initialize(manager, DataType.FLOAT32, new Shape(1, 50, 64), new Shape(1, 50, 1));
            return filter.getParameters().get(name).getArray().toFloatArray();
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

    /**
     * With a wavelet weight g the filter's signal is {@code (1-g)(low + beta (x - low)) + g haar}, haar_t = (x_t +
     * x_{t-1}) / 2 + w (x_t - x_{t-1}) / 2 over the items alone, before the residual and the LayerNorm: computed here
     * by hand from the same parameters. The first slot is padding, so the first item pairs with zeros.
     */
    @Test
    void theHaarBranchAddsEachItemsAverageWithThePreviousAndTheirScaledDifference() {
        int window = 5;
        int hidden = 4;
        int cutoff = 3;
        float g = 0.3f;
        float[] itemMask = {0, 1, 1, 1, 1};
        SplittableRandom random = new SplittableRandom(17);
        float[] x = new float[window * hidden];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] sqrtBeta = {0.5f, -0.9f, 0.1f, 0.7f};
        float[] detailScale = {0.8f, -0.4f, 0f, 1.5f};
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            CausalLowPassFilter filter = new CausalLowPassFilter(hidden, window, cutoff, 0f, g);
            filter.initialize(manager, DataType.FLOAT32, new Shape(1, window, hidden), new Shape(1, window, 1));
            filter.getParameters().get("sqrt_beta").getArray().set(sqrtBeta);
            filter.getParameters().get("haar_detail_scale").getArray().set(detailScale);
            NDArray out = filter.forward(new ParameterStore(manager, false), new NDList(
                    manager.create(x, new Shape(1, window, hidden)), manager.create(itemMask, new Shape(1, window, 1))),
                    false).singletonOrThrow();

            float[] k = CausalLowPassFilter.weightsByDistance(window, cutoff);
            float[] expected = new float[window * hidden];
            for (int t = 0; t < window; t++) {
                float[] signal = new float[hidden];
                for (int u = 0; u < hidden; u++) {
                    double low = 0;
                    for (int s = 0; s <= t; s++) {
                        low += k[t - s] * itemMask[s] * x[s * hidden + u];
                    }
                    float own = x[t * hidden + u];
                    double beta = sqrtBeta[u] * sqrtBeta[u];
                    double bsaRec = low + beta * (own - low);
                    double current = itemMask[t] * own;
                    double previous = t == 0 ? 0 : itemMask[t - 1] * x[(t - 1) * hidden + u];
                    double haar = (current + previous) / 2 + detailScale[u] * (current - previous) / 2;
                    signal[u] = (float) ((1 - g) * bsaRec + g * haar + own);
                }
                double mean = 0;
                for (float v : signal) {
                    mean += v / hidden;
                }
                double variance = 0;
                for (float v : signal) {
                    variance += (v - mean) * (v - mean) / hidden;
                }
                for (int u = 0; u < hidden; u++) {
                    expected[t * hidden + u] = (float) ((signal[u] - mean) / Math.sqrt(variance + 1e-12));
                }
            }
            assertThat(out.toFloatArray()).containsExactly(expected, within(1e-4f));
        }
    }

    @Test
    void theHaarDetailStartsNearTheAverageAndWithoutAWaveletWeightThereIsNone() {
        float[] scale = initialParameter(0.3f, "haar_detail_scale");
        assertThat(toBoxed(scale)).hasSize(64).allSatisfy(v -> assertThat(Math.abs(v)).isLessThan(0.1f));
        assertThat(new HashSet<>(Arrays.asList(toBoxed(scale)))).as("units start apart").hasSizeGreaterThan(32);
        CausalLowPassFilter alone = new CausalLowPassFilter(64, 20, 5, 0f, 0f);
        assertThat(alone.getParameters().keys()).contains("sqrt_beta").doesNotContain("haar_detail_scale");
        assertThatThrownBy(() -> new CausalLowPassFilter(8, 8, 5, 0f, 1f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("waveletWeight must be in [0,1), got 1.0");
    }
}
