package io.intentstream.model.tensor;

import ai.djl.ndarray.NDArray;

/**
 * Arrays made from Java data, moved into memory libtorch allocates. {@code manager.create(javaArray)} aliases a Java
 * direct buffer; when autograd keeps such an array for the backward pass, a garbage collection between the passes
 * frees the buffer under it (the same use-after-free as a Java number operand, see {@link Scalars}).
 */
public final class LibtorchOwned {

    private LibtorchOwned() {}

    /**
     * A libtorch-owned copy of {@code javaBacked}, in its manager; {@code javaBacked} is closed.
     *
     * <p>Usage: {@code NDArray matrix = LibtorchOwned.copyOf(manager.create(values, shape));}
     */
    public static NDArray copyOf(NDArray javaBacked) {
        try (javaBacked) {
            return javaBacked.duplicate();
        }
    }
}
