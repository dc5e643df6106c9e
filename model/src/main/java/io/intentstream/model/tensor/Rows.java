package io.intentstream.model.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;

/**
 * Differentiable row gathers whose gradient is bit-reproducible.
 *
 * <p>{@code table.get(indexArray)} is advanced indexing; its backward is libtorch's {@code index_put_} with
 * accumulation, which on CPU adds with parallel atomics once the gradient has 32,768 elements or more, so the
 * summation order, and the last bits of the result, change from run to run (measured here: 19 distinct
 * gradients in 30 identical runs at B=256). libtorch's embedding backward gives each thread its own rows of the
 * table and is deterministic, so every gather on the training path goes through it.
 */
public final class Rows {

    private Rows() {}

    /**
     * {@code table[index]}: rows of {@code table} (R, D) at the int64 {@code index} of any shape S, giving
     * (S..., D); gradients flow to {@code table}.
     */
    public static NDArray gather(NDArray table, NDArray index) {
        return Embedding.embedding(index, table, SparseFormat.DENSE).singletonOrThrow();
    }
}
