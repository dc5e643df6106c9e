package io.intentstream.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.intentstream.model.tensor.Scalars;

/**
 * Multi-head self-attention with an additive mask, residual connection and post-LayerNorm:
 * {@code x = LN(x + drop(Wo·attn(x)))}.
 *
 * <p>Inputs: {@code [x (B, T, D), mask (B, 1, T, T)]} where the mask holds 0 for allowed and a large negative
 * value for forbidden (query, key) pairs ({@link AttentionMask}).
 */
public final class CausalSelfAttention extends AbstractBlock {

    private final int hiddenSize;
    private final int heads;
    private final int headSize;
    /** Query, key and value projections as one (3D, D) Linear: one matrix product instead of three. */
    private final Linear queryKeyValue;
    private final Linear output;
    private final UniformDropout attentionDropout;
    private final UniformDropout outputDropout;
    private final LayerNorm norm;
    /** (H, T): a learned score per head and query-key distance; null unless the positions are distances. */
    private final Parameter distanceScores;

    /**
     * @param distances the number of query-key distances to learn a score for (the window length T), or 0 for none
     */
    public CausalSelfAttention(int hiddenSize, int heads, float attentionDropoutRate, float hiddenDropoutRate,
            int distances) {
        if (heads < 1 || hiddenSize % heads != 0) {
            throw new IllegalArgumentException(
                    "heads must divide hiddenSize, got heads=" + heads + " hiddenSize=" + hiddenSize);
        }
        this.hiddenSize = hiddenSize;
        this.heads = heads;
        this.headSize = hiddenSize / heads;
        queryKeyValue = addChildBlock("query_key_value", Linear.builder().setUnits(3L * hiddenSize).build());
        output = addChildBlock("output", Linear.builder().setUnits(hiddenSize).build());
        attentionDropout = addChildBlock("attention_dropout", new UniformDropout(attentionDropoutRate));
        outputDropout = addChildBlock("output_dropout", new UniformDropout(hiddenDropoutRate));
        norm = addChildBlock("norm", LayerNorms.bertStyle());
        // A BIAS starts at 0: attention begins blind to distance, as it begins blind to content.
        distanceScores = distances == 0 ? null : addParameter(Parameter.builder()
                .setName("distance_scores")
                .setType(Parameter.Type.BIAS)
                .optShape(new Shape(heads, distances))
                .build());
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0); // (B, T, D)
        NDArray mask = inputs.get(1); // (B, 1, T, T)
        long batch = x.getShape().get(0);
        long length = x.getShape().get(1);

        NDArray qkv = queryKeyValue.forward(store, new NDList(x), training).singletonOrThrow(); // (B, T, 3D)
        qkv = qkv.reshape(batch, length, 3, heads, headSize).transpose(2, 0, 3, 1, 4); // (3, B, H, T, Dh)
        // Scaling the queries instead of the scores: B·T·D multiplications instead of B·H·T·T.
        NDArray query = qkv.get(0).mul(Scalars.like(x, (float) (1.0 / Math.sqrt(headSize)))); // (B, H, T, Dh)
        NDArray key = qkv.get(1); // (B, H, T, Dh)
        NDArray value = qkv.get(2); // (B, H, T, Dh)

        NDArray scores = query.matMul(key.transpose(0, 1, 3, 2)).add(mask); // (B, H, T, T)
        if (distanceScores != null) {
            scores = scores.add(scoresByDistance(store.getValue(distanceScores, x.getDevice(), training), length));
        }
        NDArray probabilities = scores.softmax(-1); // (B, H, T, T)
        probabilities = attentionDropout.forward(store, new NDList(probabilities), training).singletonOrThrow();
        NDArray context = probabilities.matMul(value) // (B, H, T, Dh)
                .transpose(0, 2, 1, 3)
                .reshape(batch, length, hiddenSize); // (B, T, D)

        NDArray projected = output.forward(store, new NDList(context), training).singletonOrThrow(); // (B, T, D)
        projected = outputDropout.forward(store, new NDList(projected), training).singletonOrThrow();
        return norm.forward(store, new NDList(projected.add(x)), training); // (B, T, D)
    }

    /**
     * The (H, T, T) scores of each head for each (query, key) pair by their distance; future keys are masked. The
     * index is built on every pass for the same reason as the low-pass filter's matrix ({@link CausalLowPassFilter}).
     */
    private NDArray scoresByDistance(NDArray scoresPerDistance, long length) {
        NDArray slots = scoresPerDistance.getManager().arange(0, (int) length, 1, DataType.INT64); // (T)
        // Distances of future keys clip to 0; the causal mask removes those pairs anyway.
        NDArray distance = slots.reshape(length, 1).sub(slots.reshape(1, length)).maximum(0); // (T, T)
        NDArray index = distance.reshape(1, length * length).repeat(0, heads); // (H, T*T)
        return scoresPerDistance.gather(index, 1).reshape(heads, length, length); // (H, T, T)
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = inputShapes[0];
        queryKeyValue.initialize(manager, dataType, hidden);
        output.initialize(manager, dataType, hidden);
        Shape scores = new Shape(hidden.get(0), heads, hidden.get(1), hidden.get(1));
        attentionDropout.initialize(manager, dataType, scores);
        outputDropout.initialize(manager, dataType, hidden);
        norm.initialize(manager, dataType, hidden);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
