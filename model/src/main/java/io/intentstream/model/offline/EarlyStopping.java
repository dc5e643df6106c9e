package io.intentstream.model.offline;

/**
 * Early stopping on a validation score, as the reference's {@code EarlyStopping}: a score counts as better only when
 * strictly greater than the best so far (a tie keeps the earlier model), and training stops once {@code patience}
 * epochs have passed since the best one, or since the patience was last restarted (a {@link PlateauDecay}), whichever
 * is later.
 */
final class EarlyStopping {

    private final int patience;
    private int bestEpoch;
    private double bestScore = Double.NEGATIVE_INFINITY;
    private boolean hasBest;
    private int patienceFrom;

    EarlyStopping(int patience) {
        if (patience < 1) {
            throw new IllegalArgumentException("patience must be at least 1, got " + patience);
        }
        this.patience = patience;
    }

    /**
     * Records the validation score of {@code epoch}.
     *
     * @return whether it is the new best; the first finite score always is, a NaN score never is
     */
    boolean offer(int epoch, double score) {
        if (Double.isNaN(score) || (hasBest && !(score > bestScore))) {
            return false;
        }
        hasBest = true;
        bestScore = score;
        bestEpoch = epoch;
        return true;
    }

    /** Whether training should stop after {@code epoch}. */
    boolean shouldStop(int epoch) {
        return hasBest && epoch - Math.max(bestEpoch, patienceFrom) >= patience;
    }

    /** Counts the patience anew from {@code epoch}: the run goes on from there at a lower learning rate. */
    void restartPatience(int epoch) {
        patienceFrom = epoch;
    }

    /**
     * Continues a stopped run: its best epoch (0 = none yet), best score, and the epoch its patience was last
     * restarted after (0 = never).
     */
    void restore(int bestEpoch, double bestScore, int patienceFrom) {
        this.patienceFrom = patienceFrom;
        this.hasBest = bestEpoch > 0;
        this.bestEpoch = bestEpoch;
        this.bestScore = hasBest ? bestScore : Double.NEGATIVE_INFINITY;
    }

    double bestScore() {
        return bestScore;
    }

    boolean hasBest() {
        return hasBest;
    }

    /** The epoch of the best score; 0 before any. */
    int bestEpoch() {
        return bestEpoch;
    }
}
