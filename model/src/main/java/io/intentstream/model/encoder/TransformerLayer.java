package io.intentstream.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One post-LayerNorm (BERT-style) Transformer block: masked self-attention, then the feed-forward sub-layer.
 * Inputs {@code [x (B, T, D), mask (B, 1, T, T)]}, output {@code [x' (B, T, D)]}.
 */
public final class TransformerLayer extends AbstractBlock {

    private final CausalSelfAttention attention;
    private final FeedForward feedForward;

    /** @param distances query-key distances to learn attention scores for (see {@link CausalSelfAttention}), or 0 */
    public TransformerLayer(int hiddenSize, int heads, float attentionDropout, float hiddenDropout, int distances) {
        attention = addChildBlock("attention", new CausalSelfAttention(hiddenSize, heads, attentionDropout,
                hiddenDropout, distances));
        feedForward = addChildBlock("feed_forward", new FeedForward(hiddenSize, 4 * hiddenSize, hiddenDropout));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray attended = attention.forward(store, inputs, training).singletonOrThrow(); // (B, T, D)
        return feedForward.forward(store, new NDList(attended), training); // (B, T, D)
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        attention.initialize(manager, dataType, inputShapes);
        feedForward.initialize(manager, dataType, inputShapes[0]);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
