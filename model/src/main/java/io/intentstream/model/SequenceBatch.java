package io.intentstream.model;

/**
 * A mini-batch of B user sequences in embedding-row space.
 *
 * <p>{@code inputs[b]} holds exactly T item rows, left-padded with 0 (row 0 is padding, rows 1..M are items,
 * row M+1 is the mask id). {@code targets[b][t]} is the row of the item that followed position t, or 0 where
 * there is no target (padding, or a position whose next item is not known yet).
 *
 * @param liveItemRows negatives are sampled from rows 1..liveItemRows only: in a stream whose item index has not
 *     filled the table yet, the rows above are unassigned
 * @param positives null, or per row either null or another user's input (T rows, left-padded) whose next item is
 *     the same as row b's last target: the sequence contrast then takes the pair (row b, that input) as its two
 *     views instead of two augmentations of row b (DuoRec's supervised positives). Rows without one keep the
 *     augmentations.
 */
public record SequenceBatch(int[][] inputs, int[][] targets, int liveItemRows, int[][] positives) {

    public SequenceBatch {
        if (inputs.length != targets.length) {
            throw new IllegalArgumentException(
                    "inputs and targets must have the same batch size, got " + inputs.length + " and " + targets.length);
        }
        if (liveItemRows < 1) {
            throw new IllegalArgumentException("liveItemRows must be at least 1, got " + liveItemRows);
        }
        if (positives != null && positives.length != inputs.length) {
            throw new IllegalArgumentException(
                    "positives must have one entry per input row, got " + positives.length + " for " + inputs.length);
        }
    }

    /** A batch whose sequence contrast compares two augmentations of each row. */
    public SequenceBatch(int[][] inputs, int[][] targets, int liveItemRows) {
        this(inputs, targets, liveItemRows, null);
    }

    public int size() {
        return inputs.length;
    }
}
