package io.intentstream.model;

/** How a sequence view is fused with its nearest intent centre before the sequence contrast (spec §4). */
public enum Fusion {
    /** Add the centre to every position (the reference's choice for Beauty). */
    SHIFT,
    /** Append the centre to every position, doubling the width of the contrasted representation. */
    CONCAT
}
