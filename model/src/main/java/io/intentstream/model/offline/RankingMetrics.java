package io.intentstream.model.offline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Full-ranking metrics averaged over users: HR@k = 1 when the target is in the top k, NDCG@k = 1/log2(rank+2) for
 * a hit at 0-based rank, else 0.
 *
 * @param users how many users were ranked
 * @param tiedTargets how many targets shared their exact score with at least one candidate; ranks count only
 *     strictly higher scores, so ties are resolved in the target's favour (the reference's argsort order is arbitrary)
 * @param nonFiniteTargets how many targets had a NaN or infinite score and were counted as misses: a model that
 *     has diverged shows it here
 */
@JsonPropertyOrder({"hr@5", "hr@20", "ndcg@5", "ndcg@20", "users", "tied_targets", "non_finite_targets"})
public record RankingMetrics(
        @JsonProperty("hr@5") double hr5,
        @JsonProperty("hr@20") double hr20,
        @JsonProperty("ndcg@5") double ndcg5,
        @JsonProperty("ndcg@20") double ndcg20,
        @JsonProperty("users") int users,
        @JsonProperty("tied_targets") int tiedTargets,
        @JsonProperty("non_finite_targets") int nonFiniteTargets) {

    /** Whether every target's score was NaN or infinite, i.e. the model no longer produces scores. */
    public boolean allScoresNonFinite() {
        return nonFiniteTargets == users;
    }

    /** Accumulates 0-based ranks one user at a time. */
    public static final class Accumulator {
        private double hr5;
        private double hr20;
        private double ndcg5;
        private double ndcg20;
        private int users;
        private int tiedTargets;
        private int nonFiniteTargets;

        /**
         * @param rank 0-based rank of the target (number of candidates scored strictly higher)
         * @param tied whether some candidate had exactly the target's score
         */
        public void add(int rank, boolean tied) {
            if (rank < 0) {
                throw new IllegalArgumentException("rank must be >= 0, got " + rank);
            }
            users++;
            if (tied) {
                tiedTargets++;
            }
            double gain = 1.0 / (Math.log(rank + 2) / Math.log(2));
            if (rank < 5) {
                hr5 += 1;
                ndcg5 += gain;
            }
            if (rank < 20) {
                hr20 += 1;
                ndcg20 += gain;
            }
        }

        /** A target whose score was NaN or infinite: a miss. */
        public void addNonFinite() {
            users++;
            nonFiniteTargets++;
        }

        public void add(RankingEvaluator.Rank rank) {
            if (rank.finite()) {
                add(rank.rank(), rank.tied());
            } else {
                addNonFinite();
            }
        }

        public RankingMetrics result() {
            if (users == 0) {
                throw new IllegalStateException("no user was ranked");
            }
            return new RankingMetrics(hr5 / users, hr20 / users, ndcg5 / users, ndcg20 / users, users, tiedTargets,
                    nonFiniteTargets);
        }
    }
}
