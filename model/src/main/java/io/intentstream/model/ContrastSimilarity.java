package io.intentstream.model;

/**
 * How the contrastive terms (sequence and intent contrast) compare two representations before the temperature.
 */
public enum ContrastSimilarity {
    /**
     * The raw dot product, as the reference code. Over the sequence contrast's flattened T·d views it reaches the
     * thousands, so that term's loss starts near 150 and its gradient steers the shared parameters for the first
     * epochs whatever its 0.1 weight (docs/results.md).
     */
    DOT,
    /**
     * Cosine similarity: both sides L2-normalised, so every logit is in [-1/τ, 1/τ] and the term's pull on the
     * encoder no longer grows with the representations' norm; pair it with a temperature below 1.
     */
    COSINE
}
