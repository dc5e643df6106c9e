package io.intentstream.model.offline;

/**
 * One leave-one-out evaluation split: per user, the model input, the held-out target and the whole input history.
 *
 * @param name "valid" or "test"
 * @param inputs (U, T) the last T items of each user's input, left-padded with 0
 * @param targets (U) the held-out item of each user
 * @param histories per user, every item of the input (not only the last T): what the reference protocol masks
 */
public record EvaluationSplit(String name, int[][] inputs, int[] targets, int[][] histories) {

    public EvaluationSplit {
        if (inputs.length != targets.length || inputs.length != histories.length) {
            throw new IllegalArgumentException("inputs, targets and histories must have one row per user, got "
                    + inputs.length + ", " + targets.length + " and " + histories.length);
        }
    }

    public int userCount() {
        return targets.length;
    }
}
