package io.intentstream.model;

/**
 * How the encoder knows where in a left-padded window each item is.
 *
 * <p>Training scores the next item at every position of a window at once, under a causal mask. The representation
 * at position t is then the one the model would give the prefix ending there, read on its own, only if an item's
 * position does not depend on how many items follow it. {@link #WINDOW} breaks that: a user with n items has the
 * first at row T-n, so the same prefix sits on other rows in training than when it is scored. {@link #FROM_START}
 * and {@link #DISTANCE} keep it. The models that train on every prefix as its own sample (ICSRec, DuoRec, BSARec)
 * get that consistency by construction, at several times the encoder's cost per epoch.
 */
public enum PositionEncoding {
    /** Row = index in the padded window of T (the reference's and SASRec's). */
    WINDOW,
    /** Row = number of real items before this one: the first item is row 0 however long the history. */
    FROM_START,
    /**
     * No row: instead every attention head adds a learned score for each query-key distance, so an item's weight
     * depends on how long ago it was, as in the prefix models, and every position still reads its prefix as
     * scoring would.
     */
    DISTANCE
}
