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
 */
public record SequenceBatch(int[][] inputs, int[][] targets, int liveItemRows) {

    public SequenceBatch {
        if (inputs.length != targets.length) {
            throw new IllegalArgumentException(
                    "inputs and targets must have the same batch size, got " + inputs.length + " and " + targets.length);
        }
        if (liveItemRows < 1) {
            throw new IllegalArgumentException("liveItemRows must be at least 1, got " + liveItemRows);
        }
    }

    public int size() {
        return inputs.length;
    }
}
