package io.intentstream.model;

/** Where the model's parameters and every batch live. */
public enum Device {
    /** A GPU when the engine sees one, otherwise the CPU. */
    AUTO,
    CPU,
    /** Fails at model creation when the engine has no GPU, instead of silently falling back. */
    GPU
}
