package io.intentstream.model.encoder;

import ai.djl.nn.norm.LayerNorm;

/** The LayerNorm every block of the encoder uses. */
final class LayerNorms {

    /** BERT's epsilon: the reference normalises with 1e-12, much smaller than PyTorch's default 1e-5. */
    static final float EPSILON = 1e-12f;

    private LayerNorms() {}

    /**
     * Normalises (B, T, D) inputs over the hidden axis D, with learned scale (initially 1) and shift (initially
     * 0). DJL takes the axis as a non-negative index into the input shape.
     */
    static LayerNorm bertStyle() {
        return LayerNorm.builder().axis(2).optEpsilon(EPSILON).build();
    }
}
