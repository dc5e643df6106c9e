package io.intentstream.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import io.intentstream.model.ElcRecConfig;
import java.util.Optional;

/**
 * Every trainable parameter of ELCRec in one block: the {@link SasRecEncoder}, the k intent centres (spec §3)
 * and, when the config asks for it, a learned bias per item, which the same optimiser trains. The forward pass is
 * the encoder's.
 */
public final class ElcRecNetwork extends AbstractBlock {

    private final SasRecEncoder encoder;
    private final Parameter centres;
    private final Parameter itemBias;
    private final int maxSequenceLength;

    public ElcRecNetwork(ElcRecConfig config) {
        maxSequenceLength = config.maxSequenceLength();
        encoder = addChildBlock("encoder", new SasRecEncoder(config.itemRows(), config.maxSequenceLength(),
                config.hiddenSize(), config.layers(), config.heads(), config.hiddenDropout(),
                config.attentionDropout(), config.positionEncoding(), config.lowPassWeight(),
                config.lowPassCutoff(), config.waveletWeight()));
        centres = addParameter(Parameter.builder()
                .setName("centres")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(config.clusters(), config.hiddenSize()))
                .optInitializer(unitRows(config.initRange()))
                .build());
        // One column per item row, so that its gathers take the same deterministic path as the item table's
        // (Rows). Models without it keep their parameters and order. BIAS starts at 0: no item is preferred.
        itemBias = config.itemBias()
                ? addParameter(Parameter.builder()
                        .setName("item_bias")
                        .setType(Parameter.Type.BIAS)
                        .optShape(new Shape(config.itemRows(), 1))
                        .build())
                : null;
        // The reference draws every Linear and Embedding weight from N(0, initRange); biases are 0 and
        // LayerNorm starts at gamma 1, beta 0 (DJL's defaults for those parameter types).
        setInitializer(new NormalInitializer(config.initRange()), Parameter.Type.WEIGHT);
    }

    /** Initialises every parameter (random draws from the engine's generator) for sequences of length T. */
    public void initialize(NDManager manager) {
        initialize(manager, DataType.FLOAT32, new Shape(1, maxSequenceLength));
    }

    public SasRecEncoder encoder() {
        return encoder;
    }

    /** The (itemRows, D) item table shared by the input embedding and the next-item scores. */
    public Parameter itemTable() {
        return encoder.itemTable();
    }

    /** The (itemRows, 1) learned score of each item row added to its next-item logit; absent without it. */
    public Optional<Parameter> itemBias() {
        return Optional.ofNullable(itemBias);
    }

    /** The (k, D) intent centres. */
    public Parameter centres() {
        return centres;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        return encoder.forward(store, inputs, training); // (B, T, D)
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        encoder.initialize(manager, dataType, inputShapes);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return encoder.getOutputShapes(inputShapes);
    }

    /**
     * Random unit rows: the reference leaves its centres uninitialised until k-means sets them, which a stream
     * cannot do before its warm-up; random directions on the unit sphere are a neutral start.
     */
    private static Initializer unitRows(float sigma) {
        return (manager, shape, dataType) -> {
            NDArray raw = manager.randomNormal(0, sigma, shape, dataType);
            NDArray unit = raw.normalize(2, 1, 1e-12);
            raw.close();
            return unit;
        };
    }
}
