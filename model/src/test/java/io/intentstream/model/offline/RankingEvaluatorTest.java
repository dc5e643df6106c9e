package io.intentstream.model.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.intentstream.model.offline.RankingEvaluator.Rank;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RankingEvaluatorTest {

    private static double gain(int rank) {
        return 1.0 / (Math.log(rank + 2) / Math.log(2));
    }

    @Test
    void metricsFromHandPickedRanks() {
        RankingMetrics.Accumulator acc = new RankingMetrics.Accumulator();
        for (int rank : new int[] {0, 4, 5, 19, 20}) {
            acc.add(rank, false);
        }
        RankingMetrics m = acc.result();
        assertThat(m.users()).isEqualTo(5);
        assertThat(m.hr5()).isCloseTo(2 / 5.0, within(1e-12));
        assertThat(m.hr20()).isCloseTo(4 / 5.0, within(1e-12));
        // rank 0 -> 1, rank 4 -> 1/log2(6), rank 5 -> 1/log2(7), rank 19 -> 1/log2(21)
        assertThat(m.ndcg5()).isCloseTo((1 + 0.38685280723454163) / 5, within(1e-12));
        assertThat(m.ndcg20()).isCloseTo((1 + 0.38685280723454163 + 0.3562071871080222 + 0.22767024869695297) / 5,
                within(1e-12));
    }

    @Test
    void referenceProtocolGivesSeenItemsScoreZeroSoTheyOutrankANegativeTarget() {
        // rows: 0 padding, 1..5 items, 6 mask. Target 1 scores -0.2; seen item 3 scores 5 raw, 0 after masking.
        float[] scores = {-1f, -0.2f, -0.5f, 5f, -0.9f, -0.1f, -2f};
        int[] seen = {3, 4};
        Rank reference = RankingEvaluator.rank(scores, 1, seen, EvaluationProtocol.REFERENCE);
        Rank strict = RankingEvaluator.rank(scores, 1, seen, EvaluationProtocol.STRICT);
        // reference: item 3 (0 > -0.2), item 5 (-0.1), and item 4 (seen -> 0 > -0.2)
        assertThat(reference).isEqualTo(new Rank(3, false));
        // strict: seen 3 and 4 are not candidates; only item 5 is higher
        assertThat(strict).isEqualTo(new Rank(1, false));
    }

    @Test
    void referenceProtocolKeepsPaddingAndMaskRowsAsCandidates() {
        float[] scores = {0.9f, 0.5f, 0.1f, 0.2f, 0.3f, 0.4f, 0.8f};
        Rank reference = RankingEvaluator.rank(scores, 1, new int[] {2}, EvaluationProtocol.REFERENCE);
        Rank strict = RankingEvaluator.rank(scores, 1, new int[] {2}, EvaluationProtocol.STRICT);
        assertThat(reference.rank()).isEqualTo(2);
        assertThat(strict.rank()).isZero();
    }

    @Test
    void positiveTargetIsNotAffectedBySeenItemsUnderEitherProtocol() {
        float[] scores = {0f, 0.3f, 0.9f, 0.5f, 0.1f, 0.4f, 0f};
        // seen 2 had the best raw score: reference gives it 0 < 0.3, strict removes it
        assertThat(RankingEvaluator.rank(scores, 1, new int[] {2}, EvaluationProtocol.REFERENCE).rank()).isEqualTo(2);
        assertThat(RankingEvaluator.rank(scores, 1, new int[] {2}, EvaluationProtocol.STRICT).rank()).isEqualTo(2);
        // without masking item 2 would outrank it
        assertThat(RankingEvaluator.rank(scores, 1, new int[0], EvaluationProtocol.STRICT).rank()).isEqualTo(3);
    }

    @Test
    void tiesAreResolvedInTheTargetsFavourAndReported() {
        float[] scores = {0f, 0.5f, 0.5f, 0.7f, 0.5f, 0.1f, 0f};
        Rank r = RankingEvaluator.rank(scores, 2, new int[0], EvaluationProtocol.STRICT);
        assertThat(r).isEqualTo(new Rank(1, true));
        Rank untied = RankingEvaluator.rank(scores, 3, new int[0], EvaluationProtocol.STRICT);
        assertThat(untied).isEqualTo(new Rank(0, false));
        // under the reference protocol seen items and a target at exactly 0 tie
        float[] zeroTarget = {-1f, 0f, 0.3f, -0.2f, -0.5f, -0.1f, -1f};
        assertThat(RankingEvaluator.rank(zeroTarget, 1, new int[] {4}, EvaluationProtocol.REFERENCE))
                .isEqualTo(new Rank(1, true));
    }

    @Test
    void aTargetThatWasAlreadySeenScoresZeroUnderTheReferenceProtocol() {
        float[] scores = {0f, 0.9f, -0.3f, 0.2f, -0.4f, 0.1f, 0f};
        // target 1 is in the history: its 0.9 becomes 0; 0.2, 0.1 are higher; rows 0 and 6 tie at 0
        assertThat(RankingEvaluator.rank(scores, 1, new int[] {1}, EvaluationProtocol.REFERENCE))
                .isEqualTo(new Rank(2, true));
    }

    @Test
    void nonFiniteTargetScoreIsAMissAndCounted() {
        float[] scores = {0f, Float.NaN, 0.3f, 0.2f, 0.1f, 0f, 0f};
        assertThat(RankingEvaluator.rank(scores, 1, new int[0], EvaluationProtocol.REFERENCE))
                .isEqualTo(new Rank(6, false, false));
        assertThat(RankingEvaluator.rank(scores, 1, new int[0], EvaluationProtocol.STRICT))
                .isEqualTo(new Rank(4, false, false));
        float[] infinite = {0f, 0.1f, Float.POSITIVE_INFINITY, 0.2f, 0.1f, 0f, 0f};
        assertThat(RankingEvaluator.rank(infinite, 2, new int[0], EvaluationProtocol.STRICT).finite()).isFalse();

        RankingMetrics.Accumulator acc = new RankingMetrics.Accumulator();
        acc.add(RankingEvaluator.rank(scores, 1, new int[0], EvaluationProtocol.STRICT));
        acc.add(RankingEvaluator.rank(scores, 2, new int[0], EvaluationProtocol.STRICT));
        RankingMetrics m = acc.result();
        assertThat(m.users()).isEqualTo(2);
        assertThat(m.nonFiniteTargets()).isEqualTo(1);
        assertThat(m.hr5()).isEqualTo(0.5);
        assertThat(m.allScoresNonFinite()).isFalse();
    }

    @Test
    void aModelThatScoresOnlyNaNIsRecognised() {
        float[] nan = {Float.NaN, Float.NaN, Float.NaN, Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        ProtocolMetrics m = RankingEvaluator.evaluate(in -> new float[][] {nan, nan},
                new EvaluationSplit("valid", new int[][] {{0, 1}, {0, 2}}, new int[] {3, 4}, new int[][] {{1}, {2}}));
        assertThat(m.reference().allScoresNonFinite()).isTrue();
        assertThat(m.strict().nonFiniteTargets()).isEqualTo(2);
        assertThat(m.reference().hr20()).isZero();
    }

    @Test
    void rejectsTargetsAndSeenItemsOutsideTheRow() {
        float[] scores = new float[7];
        assertThatThrownBy(() -> RankingEvaluator.rank(scores, 6, new int[0], EvaluationProtocol.STRICT))
                .hasMessageContaining("target 6 is not an item row (1..5)");
        assertThatThrownBy(() -> RankingEvaluator.rank(scores, 0, new int[0], EvaluationProtocol.STRICT))
                .hasMessageContaining("target 0");
        assertThatThrownBy(() -> RankingEvaluator.rank(scores, 1, new int[] {7}, EvaluationProtocol.REFERENCE))
                .hasMessageContaining("seen item 7");
    }

    @Test
    void evaluatesASplitUnderBothProtocolsFromOneScoringPass() {
        // 3 users, 5 items; the scorer returns a fixed row per user, keyed by the last input item.
        int[][] inputs = {{0, 1}, {0, 2}, {0, 3}};
        int[] targets = {2, 5, 4};
        int[][] histories = {{1}, {4, 2}, {3}};
        float[][] rows = {
            // user 0: target 2 best among items -> rank 0 both; padding row 0 higher under reference -> rank 1
            {0.9f, 0.1f, 0.8f, 0.2f, 0.3f, 0.4f, -1f},
            // user 1: target 5 at -0.1; seen 4 and 2 -> 0 outrank under reference; items 1, 3 higher too
            {-1f, 0.2f, 0.6f, 0.3f, 0.7f, -0.1f, -1f},
            // user 2: target 4 at 0.5; items 1, 2, 5 higher everywhere; mask row higher under reference only
            {0f, 0.6f, 0.7f, 0.9f, 0.5f, 0.8f, 0.95f},
        };
        List<Integer> batchSizes = new ArrayList<>();
        ProtocolMetrics m = RankingEvaluator.evaluate(in -> {
            batchSizes.add(in.length);
            float[][] out = new float[in.length][];
            for (int b = 0; b < in.length; b++) {
                out[b] = rows[in[b][1] - 1];
            }
            return out;
        }, new EvaluationSplit("valid", inputs, targets, histories));

        assertThat(batchSizes).containsExactly(3);
        // reference ranks: user0 1, user1 4 (items 1, 3, seen 2 and 4 at 0), user2 4 (1, 2, 5, mask; seen 3 -> 0)
        RankingMetrics ref = m.reference();
        assertThat(ref.hr5()).isCloseTo(1.0, within(1e-12));
        assertThat(ref.ndcg5()).isCloseTo((gain(1) + gain(4) + gain(4)) / 3, within(1e-12));
        // strict ranks: user0 0, user1 2 (items 1, 3), user2 3 (items 1, 2, 5; 3 is seen)
        RankingMetrics strict = m.strict();
        assertThat(strict.hr5()).isCloseTo(1.0, within(1e-12));
        assertThat(strict.ndcg5()).isCloseTo((gain(0) + gain(2) + gain(3)) / 3, within(1e-12));
        assertThat(strict.ndcg20()).isCloseTo(strict.ndcg5(), within(1e-12));
        assertThat(strict.users()).isEqualTo(3);
    }

    @Test
    void scoresLargeSplitsInFixedSizeBatches() {
        int users = RankingEvaluator.SCORING_BATCH + 88;
        int[][] inputs = new int[users][];
        int[] targets = new int[users];
        int[][] histories = new int[users][];
        for (int u = 0; u < users; u++) {
            inputs[u] = new int[] {0, 1};
            targets[u] = 1 + u % 30;
            histories[u] = new int[0];
        }
        List<Integer> batchSizes = new ArrayList<>();
        // item i scores -i, so the target's rank is target - 1
        ProtocolMetrics m = RankingEvaluator.evaluate(in -> {
            batchSizes.add(in.length);
            float[][] out = new float[in.length][32];
            for (float[] row : out) {
                for (int i = 1; i <= 30; i++) {
                    row[i] = -i;
                }
                row[0] = -100;
                row[31] = -100;
            }
            return out;
        }, new EvaluationSplit("test", inputs, targets, histories));
        assertThat(batchSizes).containsExactly(RankingEvaluator.SCORING_BATCH, 88);
        double hits5 = 0;
        double hits20 = 0;
        for (int t : targets) {
            hits5 += t <= 5 ? 1 : 0;
            hits20 += t <= 20 ? 1 : 0;
        }
        assertThat(m.strict().hr5()).isCloseTo(hits5 / users, within(1e-12));
        assertThat(m.strict().hr20()).isCloseTo(hits20 / users, within(1e-12));
        assertThat(m.reference()).isEqualTo(m.strict());
    }
}
