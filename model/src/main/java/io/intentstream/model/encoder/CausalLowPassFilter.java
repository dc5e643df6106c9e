package io.intentstream.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.util.PairList;
import io.intentstream.model.tensor.LibtorchOwned;
import io.intentstream.model.tensor.Scalars;

/**
 * BSARec's frequency layer made causal: {@code x = LN(x + drop(low + beta^2 (x - low)))}, where {@code low} smooths
 * the sequence over time and {@code beta} is learned per hidden unit, so that each unit keeps its own share of the
 * high frequencies. Inputs {@code [x (B, T, D), items (B, T, 1)]} where {@code items} is 1 at item slots and 0 at
 * padding, output {@code [x' (B, T, D)]}.
 *
 * <p>BSARec low-passes a whole window through the FFT, keeping the lowest {@code cutoff / 2 + 1} of its T/2+1
 * frequencies. That mixes later positions into earlier ones, which it can afford because it trains on every prefix
 * as its own sample and reads only the last position. This model scores every position of a window in one pass, so
 * the smoothing has to be causal: position t takes the weights BSARec's filter gives the last position of a window,
 * {@code k(d) = (1 + 2 sum_{f=1}^{F-1} cos(2 pi f d / T)) / T} for the item d steps back, over the items it has,
 * where F = cutoff / 2 + 1 is the number of frequencies kept.
 * The last position of a full window is then smoothed exactly as BSARec smooths it.
 *
 * <p>Padding slots are left out of the smoothing: below the first block their outputs have attended to the whole
 * window, later items included, since a padding query has no key it may see.
 *
 * <p>With a wavelet weight g > 0 the filtered signal is {@code (1-g) (low + beta^2 (x - low)) + g haar}, WEARec's
 * mixture of its global spectral filter with a one-level Haar wavelet branch for short-term changes. WEARec pairs
 * positions (2i, 2i+1) and rebuilds each from the pair's average and its detail, scaled per unit; the earlier of a
 * pair then reads the later one. Made causal, every position t pairs with the item before it, {@code haar_t =
 * (x_t + x_{t-1}) / 2 + w (x_t - x_{t-1}) / 2} with w learned per hidden unit: the rebuild WEARec gives the later
 * position of a pair, at every position. The first item, and an item after padding, pairs with zeros.
 */
public final class CausalLowPassFilter extends AbstractBlock {

    private final int hiddenSize;
    /** k(d) for d = 0..T-1. */
    private final float[] weightByDistance;
    private final Parameter sqrtBeta;
    /** The share g of the Haar branch; 0 leaves the filter as BSARec's. */
    private final float waveletWeight;
    /** WEARec's per-unit scale of the Haar detail; null when the wavelet weight is 0. */
    private final Parameter haarDetailScale;
    private final UniformDropout dropout;
    private final LayerNorm norm;

    /**
     * @param cutoff BSARec's c: the filter keeps frequencies 0..c/2 of a window of {@code windowLength}
     * @param waveletWeight the Haar branch's share g in [0, 1); 0 for BSARec's filter alone
     */
    public CausalLowPassFilter(int hiddenSize, int windowLength, int cutoff, float hiddenDropoutRate,
            float waveletWeight) {
        if (waveletWeight < 0 || waveletWeight >= 1) {
            throw new IllegalArgumentException("waveletWeight must be in [0,1), got " + waveletWeight);
        }
        this.hiddenSize = hiddenSize;
        this.weightByDistance = weightsByDistance(windowLength, cutoff);
        // Units start with different shares of the high frequencies, beta in [0, 1]: none starts amplifying them.
        // BSARec draws sqrt(beta) from N(0, 1), so a few units start at beta 5-9; from U(-1, 1) the next-item loss
        // of SASRec-CE fell faster for every seed tried (docs/results.md, "Encoder levers on Beauty"). A constant
        // start would not do: 0 is a stationary point.
        sqrtBeta = addParameter(Parameter.builder()
                .setName("sqrt_beta")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(1, 1, hiddenSize))
                .optInitializer(new UniformInitializer(1f))
                .build());
        this.waveletWeight = waveletWeight;
        // WEARec draws the detail's scale from N(0, 0.02^2): every unit starts near the pair's plain average.
        haarDetailScale = waveletWeight == 0 ? null : addParameter(Parameter.builder()
                .setName("haar_detail_scale")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(1, 1, hiddenSize))
                .optInitializer(new NormalInitializer(0.02f))
                .build());
        dropout = addChildBlock("dropout", new UniformDropout(hiddenDropoutRate));
        norm = addChildBlock("norm", LayerNorms.bertStyle());
    }

    /**
     * The weight of the item d steps back, for d = 0..windowLength-1. A cutoff at or above the window keeps all its
     * T/2+1 frequencies, as BSARec's slice of the spectrum does, and the filter passes the signal unchanged: a
     * preset's cutoff then still fits a short window.
     */
    static float[] weightsByDistance(int windowLength, int cutoff) {
        if (cutoff < 1) {
            throw new IllegalArgumentException("cutoff must be at least 1, got " + cutoff);
        }
        int kept = Math.min(cutoff / 2 + 1, windowLength / 2 + 1);
        float[] weights = new float[windowLength];
        for (int d = 0; d < windowLength; d++) {
            double sum = 1;
            for (int f = 1; f < kept; f++) {
                // A kept Nyquist frequency (only when T is even and c = T) has no conjugate twin.
                double twin = 2 * f == windowLength ? 1 : 2;
                sum += twin * Math.cos(2 * Math.PI * f * d / windowLength);
            }
            weights[d] = (float) (sum / windowLength);
        }
        return weights;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0); // (B, T, D)
        NDArray items = inputs.get(1); // (B, T, 1)
        int length = (int) x.getShape().get(1);
        NDArray itemsOnly = x.mul(items); // (B, T, D)
        NDArray low = smoothing(x.getManager(), length).matMul(itemsOnly); // (T, T) x (B, T, D) -> (B, T, D)
        NDArray beta = store.getValue(sqrtBeta, x.getDevice(), training).square(); // (1, 1, D)
        NDArray filtered = low.add(x.sub(low).mul(beta)); // (B, T, D)
        if (haarDetailScale != null) {
            filtered = filtered.mul(Scalars.like(filtered, 1 - waveletWeight))
                    .add(haar(store, itemsOnly, training).mul(Scalars.like(filtered, waveletWeight)));
        }
        filtered = dropout.forward(store, new NDList(filtered), training).singletonOrThrow();
        return norm.forward(store, new NDList(filtered.add(x)), training); // (B, T, D)
    }

    /** {@code (x_t + x_{t-1}) / 2 + w (x_t - x_{t-1}) / 2} at every position t, from the items only. */
    private NDArray haar(ParameterStore store, NDArray itemsOnly, boolean training) {
        // Each slot's previous slot, zeros before the first: a slice, no (T, T) product on the step's path.
        Shape shape = itemsOnly.getShape();
        NDArray before = itemsOnly.getManager()
                .zeros(new Shape(shape.get(0), 1, shape.get(2)), itemsOnly.getDataType()); // (B, 1, D)
        NDArray previous = before.concat(itemsOnly.get(":, :-1, :"), 1); // (B, T, D)
        NDArray scale = store.getValue(haarDetailScale, itemsOnly.getDevice(), training); // (1, 1, D)
        NDArray half = Scalars.like(itemsOnly, 0.5f);
        return itemsOnly.add(previous).mul(half).add(itemsOnly.sub(previous).mul(scale).mul(half));
    }

    /**
     * The lower-triangular (T, T) matrix whose row t holds k(t - s) at columns s <= t. Built on every pass (T² floats,
     * microseconds) rather than kept: an array made inside a training step's NDScope is closed when the step ends.
     * Libtorch-owned ({@link LibtorchOwned}): the backward pass reads it.
     */
    private NDArray smoothing(NDManager manager, int length) {
        float[] matrix = new float[length * length];
        for (int t = 0; t < length; t++) {
            for (int s = 0; s <= t; s++) {
                matrix[t * length + s] = weightByDistance[t - s];
            }
        }
        return LibtorchOwned.copyOf(manager.create(matrix, new Shape(length, length)));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        dropout.initialize(manager, dataType, inputShapes[0]);
        norm.initialize(manager, dataType, inputShapes[0]);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "CausalLowPassFilter(d=" + hiddenSize + ", T=" + weightByDistance.length
                + (waveletWeight == 0 ? "" : ", wavelet=" + waveletWeight) + ")";
    }
}
