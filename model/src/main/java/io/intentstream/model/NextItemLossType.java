package io.intentstream.model;

/** The next-item objective (spec §2). */
public enum NextItemLossType {
    /** Per-position binary cross-entropy with one sampled negative not in the user's sequence (the reference). */
    BCE_ONE_NEGATIVE,
    /** Per-position full-softmax cross-entropy over all item rows. */
    SOFTMAX_CE,
    /**
     * Per-position softmax cross-entropy over the true next item and {@link ElcRecConfig#sampledNegatives()}
     * items drawn uniformly from the catalogue, shared by the whole batch: its cost grows with the sample, not with
     * the catalogue, for catalogues too large for {@link #SOFTMAX_CE}. A catalogue no larger than the sample is
     * scored in full, as {@link #SOFTMAX_CE}.
     */
    SAMPLED_SOFTMAX
}
