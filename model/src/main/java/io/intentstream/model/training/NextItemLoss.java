package io.intentstream.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Activation;
import io.intentstream.model.tensor.Scalars;
import java.util.function.Function;

/**
 * The two next-item objectives (spec §2), computed only at the N positions that have a target: the caller
 * gathers those rows first, so padding costs nothing.
 */
public final class NextItemLoss {

    /** The reference's guard inside both logarithms. */
    static final float LOG_GUARD = 1e-24f;

    /** Logit elements per block of the softmax loss: 4M floats, 16 MB. */
    static final long BLOCK_ELEMENTS = 4L << 20;

    private NextItemLoss() {}

    /**
     * The reference's binary cross-entropy with one negative per position, averaged over positions:
     * {@code mean(-log(sigmoid(h·p) + 1e-24) - log(1 - sigmoid(h·n) + 1e-24))}, each logit plus its item's bias
     * when there is one.
     *
     * @param hidden (N, D) encoder outputs at positions with a target
     * @param positives (N, D) embeddings of the true next items
     * @param negatives (N, D) embeddings of the sampled negatives
     * @param positiveBias (N, 1) bias of each true next item, or null for none
     * @param negativeBias (N, 1) bias of each negative, or null for none
     */
    public static NDArray binaryCrossEntropy(NDArray hidden, NDArray positives, NDArray negatives,
            NDArray positiveBias, NDArray negativeBias) {
        NDArray positiveLogits = plusBias(hidden.mul(positives).sum(new int[] {-1}, true), positiveBias); // (N, 1)
        NDArray negativeLogits = plusBias(hidden.mul(negatives).sum(new int[] {-1}, true), negativeBias); // (N, 1)
        NDArray positiveTerm = Activation.sigmoid(positiveLogits).add(LOG_GUARD).log(); // (N, 1)
        NDArray negativeTerm = Activation.sigmoid(negativeLogits).neg().add(1).add(LOG_GUARD).log();
        return positiveTerm.add(negativeTerm).mean().neg(); // ()
    }

    /**
     * Full-softmax cross-entropy over the candidate rows, each logit plus its candidate's bias when there is one,
     * averaged over positions.
     *
     * <p>Computed in blocks of rows whose (rows, R) logits stay under {@link #BLOCK_ELEMENTS} floats: an
     * allocation that does not fit a glibc thread arena's 64 MB heap gets fresh pages of its own every time, and on
     * this project's VM each first-touch page fault costs about 12 us (17,700 of them for 73 MB of logits, 250 ms
     * measured at N=1,500, R=12,101), while blocks that fit are reused from the heap step after step.
     *
     * @param hidden (N, D) encoder outputs at positions with a target
     * @param candidates (R, D) the item rows that compete (rows 1..liveItemRows of the table)
     * @param candidateBias (R, 1) bias of each candidate row, or null for none
     * @param targetColumns (N) int64 index of each true next item within {@code candidates}
     */
    public static NDArray softmaxCrossEntropy(NDArray hidden, NDArray candidates, NDArray candidateBias,
            NDArray targetColumns) {
        NDArray candidatesT = candidates.transpose(); // (D, R)
        NDArray biasRow = candidateBias == null ? null : candidateBias.transpose(); // (1, R)
        return meanNegativeLogLikelihood(hidden.getShape().get(0), candidates.getShape().get(0), rows -> {
            NDArray logits = plusBias(hidden.get(rows).matMul(candidatesT), biasRow); // (n_b, R)
            return logits.logSoftmax(-1).gather(targetColumns.get(rows).reshape(-1, 1), 1); // (n_b, 1)
        });
    }

    /**
     * Softmax cross-entropy of each position's true next item against one sample of negatives shared by all
     * positions, each logit plus its item's bias when there is one, averaged over positions; in row blocks as
     * {@link #softmaxCrossEntropy}. A sampled row that is a position's own target would count the target against
     * itself, so it is pushed out of that position's softmax. The sample is uniform, so the log-Q correction of
     * sampled softmax is one constant for every logit and cancels.
     *
     * @param hidden (N, D) encoder outputs at positions with a target
     * @param positives (N, D) embeddings of the true next items
     * @param negatives (S, D) embeddings of the sampled rows
     * @param positiveBias (N, 1) bias of each true next item, or null for none
     * @param negativeBias (S, 1) bias of each sampled row, or null for none
     * @param targetRows (N) int64 row of each true next item
     * @param negativeRows (S) int64 row of each sampled item
     */
    public static NDArray sampledSoftmaxCrossEntropy(NDArray hidden, NDArray positives, NDArray negatives,
            NDArray positiveBias, NDArray negativeBias, NDArray targetRows, NDArray negativeRows) {
        NDArray negativesT = negatives.transpose(); // (D, S)
        NDArray negativeBiasRow = negativeBias == null ? null : negativeBias.transpose(); // (1, S)
        NDArray sampled = negativeRows.reshape(1, -1); // (1, S)
        return meanNegativeLogLikelihood(hidden.getShape().get(0), 1 + negatives.getShape().get(0), rows -> {
            NDArray h = hidden.get(rows); // (n_b, D)
            NDArray positiveLogits = plusBias(h.mul(positives.get(rows)).sum(new int[] {-1}, true),
                    positiveBias == null ? null : positiveBias.get(rows)); // (n_b, 1)
            NDArray hits = targetRows.get(rows).reshape(-1, 1).eq(sampled)
                    .toType(h.getDataType(), false); // (n_b, S) 1 where the sample drew the target
            // A finite offset, not -inf: 0 * inf would be NaN where there is no hit; exp(-1e9) is exactly 0.
            NDArray negativeLogits = plusBias(
                    h.matMul(negativesT).sub(hits.mul(Scalars.like(h, ACCIDENTAL_HIT_OFFSET))), negativeBiasRow);
            NDArray logits = positiveLogits.concat(negativeLogits, 1); // (n_b, 1 + S), the target in column 0
            return logits.logSoftmax(-1).get(new NDIndex(":, 0")); // (n_b)
        });
    }

    /** {@code logits} plus {@code bias} (broadcast) when there is one. */
    private static NDArray plusBias(NDArray logits, NDArray bias) {
        return bias == null ? logits : logits.add(bias);
    }

    /** Subtracted from a sampled negative's logit when it is the position's own target. */
    static final float ACCIDENTAL_HIT_OFFSET = 1e9f;

    /**
     * {@code -mean} over N positions of the per-position log-likelihoods {@code blockLogLikelihoods} returns for
     * row blocks of at most {@link #BLOCK_ELEMENTS} / {@code columns} rows.
     */
    private static NDArray meanNegativeLogLikelihood(long n, long columns,
            Function<NDIndex, NDArray> blockLogLikelihoods) {
        long rowsPerBlock = Math.max(1, BLOCK_ELEMENTS / columns);
        NDArray total = null;
        for (long start = 0; start < n; start += rowsPerBlock) {
            NDIndex rows = new NDIndex("{}:{}", start, Math.min(n, start + rowsPerBlock));
            NDArray blockSum = blockLogLikelihoods.apply(rows).sum();
            total = total == null ? blockSum : total.add(blockSum);
        }
        return total.div(Scalars.like(total, -n)); // ()
    }
}
