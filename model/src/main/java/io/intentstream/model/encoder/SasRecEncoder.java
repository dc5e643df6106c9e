package io.intentstream.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.intentstream.model.PositionEncoding;
import java.util.ArrayList;
import java.util.List;

/**
 * The SASRec-style sequence encoder (spec §1): {@link SequenceEmbedding} followed by L {@link TransformerLayer}s
 * under a causal, padding-aware attention mask. Input {@code [ids (B, T) int64]}, output {@code [E (B, T, D)]}.
 */
public final class SasRecEncoder extends AbstractBlock {

    private final SequenceEmbedding embedding;
    private final List<TransformerLayer> layers = new ArrayList<>();

    public SasRecEncoder(int itemRows, int maxSequenceLength, int hiddenSize, int layerCount, int heads,
            float hiddenDropout, float attentionDropout, PositionEncoding positionEncoding, float lowPassWeight,
            int lowPassCutoff, float waveletWeight) {
        if (layerCount < 1) {
            throw new IllegalArgumentException("layerCount must be at least 1, got " + layerCount);
        }
        embedding = addChildBlock("embedding",
                new SequenceEmbedding(itemRows, maxSequenceLength, hiddenSize, hiddenDropout, positionEncoding));
        for (int i = 0; i < layerCount; i++) {
            layers.add(addChildBlock("layer" + i,
                    new TransformerLayer(hiddenSize, heads, attentionDropout, hiddenDropout,
                            positionEncoding == PositionEncoding.DISTANCE ? maxSequenceLength : 0, maxSequenceLength,
                            lowPassWeight, lowPassCutoff, waveletWeight)));
        }
    }

    /** The (itemRows, D) item table, also the weights of the next-item scores. */
    public Parameter itemTable() {
        return embedding.itemTable();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.singletonOrThrow(); // (B, T)
        NDArray x = embedding.forward(store, inputs, training).singletonOrThrow(); // (B, T, D)
        NDArray mask = AttentionMask.additive(ids, x.getDataType()); // (B, 1, T, T)
        NDArray items = ids.gt(0).toType(x.getDataType(), false).expandDims(2); // (B, T, 1)
        for (TransformerLayer layer : layers) {
            x = layer.forward(store, new NDList(x, mask, items), training).singletonOrThrow(); // (B, T, D)
        }
        return new NDList(x);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        embedding.initialize(manager, dataType, inputShapes);
        Shape hidden = embedding.getOutputShapes(inputShapes)[0];
        Shape mask = new Shape(hidden.get(0), 1, hidden.get(1), hidden.get(1));
        Shape items = new Shape(hidden.get(0), hidden.get(1), 1);
        for (TransformerLayer layer : layers) {
            layer.initialize(manager, dataType, hidden, mask, items);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return embedding.getOutputShapes(inputShapes);
    }
}
