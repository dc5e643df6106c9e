package io.intentstream.model.offline;

import java.util.Arrays;

/**
 * Full-ranking leave-one-out evaluation (spec §6): every item row is scored after the user's input and the held-out
 * target is ranked among them, under both {@link EvaluationProtocol}s from the same scores.
 *
 * <p>Rank = the number of candidates with a strictly higher score than the target. Ties therefore go to the
 * target; {@link RankingMetrics#tiedTargets()} says how often that happened. A target whose score is not finite is
 * counted as a miss.
 */
public final class RankingEvaluator {

    /** Inputs per scoring call; fixed so that a saved model re-scores bit-identically. */
    public static final int SCORING_BATCH = 512;

    /** The model's raw scores of every item row after each input: (B, M+2). */
    @FunctionalInterface
    public interface ItemScorer {
        float[][] itemScores(int[][] inputs);
    }

    /**
     * A rank, whether a candidate tied with the target, and whether the target's score was finite at all (when
     * it was not, {@code rank} is the number of candidates, a miss).
     */
    public record Rank(int rank, boolean tied, boolean finite) {

        public Rank(int rank, boolean tied) {
            this(rank, tied, true);
        }
    }

    private RankingEvaluator() {}

    /** Scores every user of {@code split} once and ranks its target under both protocols. */
    public static ProtocolMetrics evaluate(ItemScorer scorer, EvaluationSplit split) {
        RankingMetrics.Accumulator reference = new RankingMetrics.Accumulator();
        RankingMetrics.Accumulator strict = new RankingMetrics.Accumulator();
        int users = split.userCount();
        for (int start = 0; start < users; start += SCORING_BATCH) {
            int end = Math.min(users, start + SCORING_BATCH);
            float[][] scores = scorer.itemScores(Arrays.copyOfRange(split.inputs(), start, end));
            if (scores.length != end - start) {
                throw new IllegalStateException("scorer returned " + scores.length + " rows for " + (end - start)
                        + " inputs");
            }
            for (int u = start; u < end; u++) {
                float[] row = scores[u - start];
                reference.add(rank(row, split.targets()[u], split.histories()[u], EvaluationProtocol.REFERENCE));
                strict.add(rank(row, split.targets()[u], split.histories()[u], EvaluationProtocol.STRICT));
            }
        }
        return new ProtocolMetrics(reference.result(), strict.result());
    }

    /**
     * The 0-based rank of {@code target} among the rows of {@code rawScores} (length M+2) under {@code protocol}.
     *
     * @param seen every item of the user's input history (not only the last T)
     */
    public static Rank rank(float[] rawScores, int target, int[] seen, EvaluationProtocol protocol) {
        int rows = rawScores.length;
        if (rows < 3) {
            throw new IllegalArgumentException("a score row needs padding, at least one item and the mask row, got "
                    + rows + " rows");
        }
        if (target < 1 || target > rows - 2) {
            throw new IllegalArgumentException("target " + target + " is not an item row (1.." + (rows - 2) + ")");
        }
        boolean[] isSeen = new boolean[rows];
        for (int item : seen) {
            if (item < 0 || item >= rows) {
                throw new IllegalArgumentException("seen item " + item + " is outside the score row (0.." + (rows - 1) + ")");
            }
            isSeen[item] = true;
        }
        return switch (protocol) {
            case REFERENCE -> referenceRank(rawScores, target, isSeen);
            case STRICT -> strictRank(rawScores, target, isSeen);
        };
    }

    private static Rank referenceRank(float[] raw, int target, boolean[] isSeen) {
        float targetScore = isSeen[target] ? 0f : raw[target];
        if (!Float.isFinite(targetScore)) {
            return new Rank(raw.length - 1, false, false);
        }
        int higher = 0;
        boolean tied = false;
        for (int row = 0; row < raw.length; row++) {
            if (row == target) {
                continue;
            }
            float score = isSeen[row] ? 0f : raw[row];
            if (score > targetScore) {
                higher++;
            } else if (score == targetScore) {
                tied = true;
            }
        }
        return new Rank(higher, tied);
    }

    private static Rank strictRank(float[] raw, int target, boolean[] isSeen) {
        float targetScore = raw[target];
        int lastItem = raw.length - 2;
        if (!Float.isFinite(targetScore)) {
            return new Rank(lastItem - 1, false, false);
        }
        int higher = 0;
        boolean tied = false;
        for (int row = 1; row <= lastItem; row++) {
            if (row == target || isSeen[row]) {
                continue;
            }
            if (raw[row] > targetScore) {
                higher++;
            } else if (raw[row] == targetScore) {
                tied = true;
            }
        }
        return new Rank(higher, tied);
    }
}
