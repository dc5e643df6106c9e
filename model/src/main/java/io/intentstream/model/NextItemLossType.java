package io.intentstream.model;

/** The next-item objective (spec §2). */
public enum NextItemLossType {
    /** Per-position binary cross-entropy with one sampled negative not in the user's sequence (the reference). */
    BCE_ONE_NEGATIVE,
    /** Per-position full-softmax cross-entropy over all item rows. */
    SOFTMAX_CE
}
