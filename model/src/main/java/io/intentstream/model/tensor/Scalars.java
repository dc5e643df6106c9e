package io.intentstream.model.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Scalar operands for arithmetic inside the autograd graph.
 *
 * <p>Never pass a {@link Number} to {@code mul}, {@code div}, {@code maximum} and the like on an array that
 * requires a gradient. DJL's PyTorch engine turns the number into a 0-d tensor that aliases a Java direct
 * buffer ({@code from_blob}) and closes it right after the operation; libtorch's autograd keeps that tensor for
 * the backward pass (the derivative of {@code x * c} needs {@code c}), and once the garbage collector frees the
 * buffer the backward pass reads freed memory. Measured here: gradients differ between identical runs whenever a
 * collection happens between forward and backward, and turn to NaN when the memory is reused. The scalars made
 * here are allocated by libtorch, so autograd's reference keeps them alive.
 */
public final class Scalars {

    private Scalars() {}

    /** A 0-d array holding {@code value}, on {@code like}'s device, with its data type, owned by libtorch. */
    public static NDArray like(NDArray like, float value) {
        return like.getManager().full(new Shape(), value, like.getDataType());
    }
}
