package io.intentstream.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.intentstream.model.PositionEncoding;

/**
 * Item embedding plus learned absolute position embedding, then LayerNorm and dropout (spec §1). Which position row
 * an item adds is the {@link PositionEncoding}'s choice.
 *
 * <p>The item table is also the output layer of the next-item scores (tied weights), so it is exposed through
 * {@link #itemTable()}. Row 0 is padding and row itemCount+1 the mask id.
 */
public final class SequenceEmbedding extends AbstractBlock {

    private final int itemRows;
    private final int maxSequenceLength;
    private final int hiddenSize;
    private final PositionEncoding positionEncoding;
    private final Parameter itemTable;
    /** Null under {@link PositionEncoding#DISTANCE}, whose positions are in the attention instead. */
    private final Parameter positionTable;
    private final LayerNorm norm;
    private final UniformDropout dropout;

    public SequenceEmbedding(int itemRows, int maxSequenceLength, int hiddenSize, float hiddenDropout,
            PositionEncoding positionEncoding) {
        this.itemRows = itemRows;
        this.positionEncoding = positionEncoding;
        this.maxSequenceLength = maxSequenceLength;
        this.hiddenSize = hiddenSize;
        itemTable = addParameter(Parameter.builder()
                .setName("item_embedding")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(itemRows, hiddenSize))
                .build());
        positionTable = positionEncoding == PositionEncoding.DISTANCE ? null : addParameter(Parameter.builder()
                .setName("position_embedding")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(maxSequenceLength, hiddenSize))
                .build());
        norm = addChildBlock("norm", LayerNorms.bertStyle());
        dropout = addChildBlock("dropout", new UniformDropout(hiddenDropout));
    }

    /** The (itemRows, d) item table, shared with the next-item output layer. */
    public Parameter itemTable() {
        return itemTable;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.singletonOrThrow(); // (B, T) int64
        long length = ids.getShape().get(1);
        NDArray items = store.getValue(itemTable, ids.getDevice(), training);
        NDArray x = Embedding.embedding(ids, items, SparseFormat.DENSE).singletonOrThrow(); // (B, T, D)
        x = switch (positionEncoding) {
            case WINDOW -> x.add(positions(store, ids, training).get(new NDIndex(":{}", length))); // + (T, D)
            case FROM_START -> x.add(Embedding.embedding(itemsBefore(ids), positions(store, ids, training),
                    SparseFormat.DENSE).singletonOrThrow()); // + (B, T, D)
            case DISTANCE -> x; // the attention scores distances instead
        };
        x = norm.forward(store, new NDList(x), training).singletonOrThrow(); // (B, T, D)
        return dropout.forward(store, new NDList(x), training); // (B, T, D)
    }

    private NDArray positions(ParameterStore store, NDArray ids, boolean training) {
        return store.getValue(positionTable, ids.getDevice(), training);
    }

    /** For each slot, how many real (non-padding) items precede it in its row; padding slots get 0. */
    private static NDArray itemsBefore(NDArray ids) {
        return ids.gt(0).toType(DataType.INT64, false).cumSum(1).sub(1).maximum(0); // (B, T)
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = hiddenShape(inputShapes[0]);
        norm.initialize(manager, dataType, hidden);
        dropout.initialize(manager, dataType, hidden);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {hiddenShape(inputShapes[0])};
    }

    private Shape hiddenShape(Shape ids) {
        if (ids.dimension() != 2 || ids.get(1) > maxSequenceLength) {
            throw new IllegalArgumentException(
                    "expected item ids of shape (B, T<=" + maxSequenceLength + "), got " + ids);
        }
        return new Shape(ids.get(0), ids.get(1), hiddenSize);
    }

    @Override
    public String toString() {
        return "SequenceEmbedding(items=" + itemRows + ", T=" + maxSequenceLength + ", d=" + hiddenSize
                + ", positions=" + positionEncoding + ")";
    }
}
