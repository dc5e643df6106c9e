package io.intentstream.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * The two next-item objectives (spec §2), computed only at the N positions that have a target: the caller
 * gathers those rows first, so padding costs nothing.
 */
public final class NextItemLoss {

    /** The reference's guard inside both logarithms. */
    static final float LOG_GUARD = 1e-24f;

    private NextItemLoss() {}

    /**
     * The reference's binary cross-entropy with one negative per position, averaged over positions:
     * {@code mean(-log(sigmoid(h·p) + 1e-24) - log(1 - sigmoid(h·n) + 1e-24))}.
     *
     * @param hidden (N, D) encoder outputs at positions with a target
     * @param positives (N, D) embeddings of the true next items
     * @param negatives (N, D) embeddings of the sampled negatives
     */
    public static NDArray binaryCrossEntropy(NDArray hidden, NDArray positives, NDArray negatives) {
        NDArray positiveLogits = hidden.mul(positives).sum(new int[] {-1}); // (N)
        NDArray negativeLogits = hidden.mul(negatives).sum(new int[] {-1}); // (N)
        NDArray positiveTerm = Activation.sigmoid(positiveLogits).add(LOG_GUARD).log(); // (N)
        NDArray negativeTerm = Activation.sigmoid(negativeLogits).neg().add(1).add(LOG_GUARD).log();
        return positiveTerm.add(negativeTerm).mean().neg(); // ()
    }

    /**
     * Full-softmax cross-entropy over the candidate rows, averaged over positions.
     *
     * @param hidden (N, D) encoder outputs at positions with a target
     * @param candidates (R, D) the item rows that compete (rows 1..liveItemRows of the table)
     * @param targetColumns (N) int64 index of each true next item within {@code candidates}
     */
    public static NDArray softmaxCrossEntropy(NDArray hidden, NDArray candidates, NDArray targetColumns) {
        NDArray logits = hidden.matMul(candidates.transpose()); // (N, R)
        NDArray logProbabilities = logits.logSoftmax(-1); // (N, R)
        NDArray picked = logProbabilities.gather(targetColumns.reshape(-1, 1), 1); // (N, 1)
        return picked.mean().neg(); // ()
    }
}
