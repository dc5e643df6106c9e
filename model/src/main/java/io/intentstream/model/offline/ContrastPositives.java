package io.intentstream.model.offline;

/** What the sequence contrast compares a training sequence with. */
public enum ContrastPositives {
    /** Two augmentations (crop, mask, reorder) of the sequence: ELCRec's views (spec §4). */
    AUGMENTED,
    /**
     * The sequence itself and another user's training sequence whose next item is the same (DuoRec's supervised
     * positives, ICSRec's sequences that share an intent); a sequence whose target no other user shares keeps the
     * two augmentations.
     */
    SAME_TARGET
}
