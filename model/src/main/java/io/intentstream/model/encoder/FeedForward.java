package io.intentstream.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** Position-wise feed-forward sub-layer with post-LayerNorm: {@code x = LN(x + drop(W2·gelu(W1·x)))}. */
public final class FeedForward extends AbstractBlock {

    private final Linear expand;
    private final Linear contract;
    private final UniformDropout dropout;
    private final LayerNorm norm;
    private final int innerSize;

    public FeedForward(int hiddenSize, int innerSize, float hiddenDropoutRate) {
        this.innerSize = innerSize;
        expand = addChildBlock("expand", Linear.builder().setUnits(innerSize).build());
        contract = addChildBlock("contract", Linear.builder().setUnits(hiddenSize).build());
        dropout = addChildBlock("dropout", new UniformDropout(hiddenDropoutRate));
        norm = addChildBlock("norm", LayerNorms.bertStyle());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow(); // (B, T, D)
        NDArray inner = expand.forward(store, new NDList(x), training).singletonOrThrow(); // (B, T, 4D)
        // libtorch's gelu without the approximate flag is the exact erf form the reference uses.
        inner = Activation.gelu(inner); // (B, T, 4D)
        NDArray out = contract.forward(store, new NDList(inner), training).singletonOrThrow(); // (B, T, D)
        out = dropout.forward(store, new NDList(out), training).singletonOrThrow();
        return norm.forward(store, new NDList(out.add(x)), training); // (B, T, D)
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = inputShapes[0];
        expand.initialize(manager, dataType, hidden);
        contract.initialize(manager, dataType, new Shape(hidden.get(0), hidden.get(1), innerSize));
        dropout.initialize(manager, dataType, hidden);
        norm.initialize(manager, dataType, hidden);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
