package io.intentstream.model;

/**
 * Which slots of a left-padded window the sequence contrast compares when it flattens a view.
 *
 * <p>A padding slot holds no item, yet below the first block its output has attended to the whole window (a padding
 * query has no key it may see), so in the reference's flattened views most numbers of a short history are such
 * slots: Beauty's average history fills 9 of 50.
 */
public enum ContrastSlots {
    /** Every slot of the window, padding included (the reference). */
    ALL,
    /** Only the slots that hold an item (masked items included); padding slots count as zeros. */
    ITEMS
}
