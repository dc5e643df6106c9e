package io.intentstream.model.cluster;

import ai.djl.ndarray.NDArray;
import io.intentstream.model.tensor.Scalars;

/**
 * L2 normalisation of the rows (last axis) of embeddings and centres.
 *
 * <p>Usage: {@code NDArray h = UnitRows.normalise(pooled);} before {@link ClusterLoss}; once per batch, before the
 * forward pass, {@code UnitRows.renormaliseInPlace(centresParameter)} as the reference does.
 */
public final class UnitRows {

    /** PyTorch's {@code F.normalize} default: rows shorter than this are divided by it instead (no NaN for 0). */
    public static final float EPSILON = 1e-12f;

    private UnitRows() {}

    /**
     * {@code x / max(||x||, 1e-12)} along the last axis, like PyTorch's {@code F.normalize(x, p=2, dim=-1)}.
     * Differentiable: gradients flow through the normalisation (so they are orthogonal to each unit row). The
     * epsilon is a libtorch-owned scalar because the backward pass of {@code maximum} reads it (see {@link Scalars}).
     */
    public static NDArray normalise(NDArray x) {
        int last = x.getShape().dimension() - 1;
        NDArray norms = x.norm(new int[] {last}, true).maximum(Scalars.like(x, EPSILON));
        return x.div(norms);
    }

    /**
     * Overwrites {@code parameter}'s values with its L2-normalised rows, outside the autograd graph and keeping
     * its gradient flag: the reference's {@code cluster_centers.data = F.normalize(cluster_centers.data)} before
     * each batch. The centres then enter the losses as unit vectors, and their gradients are those of the unit
     * vectors themselves (no gradient through the normalisation). Call it before the batch's forward pass, outside
     * the gradient collector. A zero row stays zero.
     */
    public static void renormaliseInPlace(NDArray parameter) {
        NDArray values = parameter.stopGradient();
        try (NDArray normalised = normalise(values)) {
            parameter.set(normalised.toFloatArray());
        } finally {
            values.close();
        }
    }
}
