package io.intentstream.model.bench;

/** What one benchmarked model step does. */
public enum StepMode {
    /** {@code ElcRecModel.score}: encoder in evaluation mode, nearest centres, top-N over every live item. */
    INFERENCE,
    /** A training step of the next-item loss alone (contrasts and cluster loss off). */
    NEXT_ITEM,
    /** A training step of the whole ELCRec objective (next item, both contrasts, cluster loss). */
    FULL
}
