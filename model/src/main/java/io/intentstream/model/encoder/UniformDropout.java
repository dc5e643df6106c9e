package io.intentstream.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.intentstream.model.tensor.Scalars;

/**
 * Inverted dropout, {@code x * keep / (1 - rate)} in training and the identity otherwise, with the keep mask
 * drawn as {@code uniform(0, 1) >= rate}.
 *
 * <p>Same distribution as DJL's {@code Dropout} (libtorch's dropout), but libtorch's CPU {@code bernoulli_}
 * draws element by element: measured on this project's AMD EPYC, 13 ms for a (256, 50, 64) activation against
 * 3 ms for a uniform sample and a comparison, and dropout runs four times per layer and view. The mask comes
 * from the engine's generator, so it is reproducible under the step's seed.
 */
public final class UniformDropout extends AbstractBlock {

    private final float rate;

    public UniformDropout(float rate) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
        }
        this.rate = rate;
    }

    public float rate() {
        return rate;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow(); // (...)
        if (!training || rate == 0f) {
            return inputs;
        }
        NDArray uniform = x.getManager().randomUniform(0f, 1f, x.getShape(), x.getDataType()); // (...)
        NDArray scaledKeep = uniform.gte(Scalars.like(uniform, rate)).toType(x.getDataType(), false)
                .mul(Scalars.like(uniform, 1f / (1f - rate))); // (...) 0 or 1/(1-rate)
        return new NDList(x.mul(scaledKeep)); // (...)
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "UniformDropout(rate=" + rate + ")";
    }
}
