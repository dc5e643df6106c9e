package io.intentstream.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.intentstream.model.tensor.Scalars;

/**
 * One post-LayerNorm (BERT-style) Transformer block: masked self-attention, then the feed-forward sub-layer.
 * Inputs {@code [x (B, T, D), mask (B, 1, T, T), items (B, T, 1)]} ({@link AttentionMask}; items is 1 at item
 * slots, 0 at padding), output {@code [x' (B, T, D)]}.
 *
 * <p>With a low-pass weight a > 0 the first sub-layer is BSARec's mixture {@code a·filter(x) + (1-a)·attention(x)}
 * ({@link CausalLowPassFilter}), whose filter may mix in WEARec's Haar wavelet branch.
 */
public final class TransformerLayer extends AbstractBlock {

    private final CausalSelfAttention attention;
    private final FeedForward feedForward;
    /** Null when the low-pass weight is 0. */
    private final CausalLowPassFilter lowPass;
    private final float lowPassWeight;

    /**
     * @param distances query-key distances to learn attention scores for (see {@link CausalSelfAttention}), or 0
     * @param lowPassWeight the share a of the low-pass filter in the first sub-layer, 0 for attention alone
     * @param lowPassCutoff BSARec's c, see {@link CausalLowPassFilter}; unused when {@code lowPassWeight} is 0
     * @param waveletWeight the Haar branch's share inside the filter, see {@link CausalLowPassFilter}
     */
    public TransformerLayer(int hiddenSize, int heads, float attentionDropout, float hiddenDropout, int distances,
            int windowLength, float lowPassWeight, int lowPassCutoff, float waveletWeight) {
        attention = addChildBlock("attention", new CausalSelfAttention(hiddenSize, heads, attentionDropout,
                hiddenDropout, distances));
        this.lowPassWeight = lowPassWeight;
        lowPass = lowPassWeight == 0 ? null : addChildBlock("low_pass",
                new CausalLowPassFilter(hiddenSize, windowLength, lowPassCutoff, hiddenDropout, waveletWeight));
        feedForward = addChildBlock("feed_forward", new FeedForward(hiddenSize, 4 * hiddenSize, hiddenDropout));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray attended = attention.forward(store, new NDList(inputs.get(0), inputs.get(1)), training)
                .singletonOrThrow(); // (B, T, D)
        if (lowPass != null) {
            NDArray filtered = lowPass.forward(store, new NDList(inputs.get(0), inputs.get(2)), training)
                    .singletonOrThrow();
            // Libtorch-owned weights: the backward pass reads them again (Scalars explains why a number won't do).
            attended = filtered.mul(Scalars.like(filtered, lowPassWeight))
                    .add(attended.mul(Scalars.like(attended, 1 - lowPassWeight))); // (B, T, D)
        }
        return feedForward.forward(store, new NDList(attended), training); // (B, T, D)
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        attention.initialize(manager, dataType, inputShapes);
        feedForward.initialize(manager, dataType, inputShapes[0]);
        if (lowPass != null) {
            lowPass.initialize(manager, dataType, inputShapes[0], inputShapes[2]);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
