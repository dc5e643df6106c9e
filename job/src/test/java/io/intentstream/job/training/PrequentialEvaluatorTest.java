package io.intentstream.job.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.intentstream.job.history.SequenceEvent;
import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.catalog.ItemFingerprint;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class PrequentialEvaluatorTest {

    private static final int ITEMS = 40;
    private static final int T = 6;

    private static ElcRecConfig tinyModel() {
        return tinyModel(1e-2f);
    }

    private static ElcRecConfig tinyModel(float learningRate) {
        return ElcRecConfig.builder(64)
                .maxSequenceLength(T)
                .hiddenSize(16)
                .clusters(2)
                .layers(1)
                .learningRate(learningRate)
                // The plain next-item objective learns a deterministic cycle fastest; the contrastive and cluster
                // terms are not what this test is about.
                .nextItemLoss(io.intentstream.model.NextItemLossType.SOFTMAX_CE)
                .contrastEnabled(false)
                .clusterLossEnabled(false)
                .hiddenDropout(0f)
                .attentionDropout(0f)
                .device(Device.CPU)
                .seed(11)
                .build();
    }

    /** Users walk the item cycle 0, 1, ..., 39, 0, ... from their own starting point: the next item is certain. */
    private static final class CycleStream {
        private final Map<String, Deque<Long>> histories = new HashMap<>();
        private final Map<String, Integer> position = new HashMap<>();
        private int eventId;

        List<SequenceEvent> batch(int users, int perUser) {
            List<SequenceEvent> batch = new ArrayList<>();
            for (int u = 0; u < users; u++) {
                for (int n = 0; n < perUser; n++) {
                    String user = "u" + u;
                    int at = position.merge(user, 1, Integer::sum) + u * 7;
                    String item = "i" + (at % ITEMS);
                    Deque<Long> history = histories.computeIfAbsent(user, x -> new ArrayDeque<>());
                    batch.add(new SequenceEvent("e" + eventId++, user, item, eventId,
                            history.stream().mapToLong(Long::longValue).toArray()));
                    history.addLast(ItemFingerprint.of(item));
                    if (history.size() > T) {
                        history.removeFirst();
                    }
                }
            }
            return batch;
        }
    }

    @Test
    void hitRateRisesFromChanceToNearOneOnAStreamWhoseNextItemIsCertain() {
        PrequentialEvaluator evaluator = new PrequentialEvaluator(10, 1.0);
        CycleStream learningStream = new CycleStream();
        CycleStream frozenStream = new CycleStream();
        // The control sees the same batches with a learning rate too small to move it: chance level.
        try (OnlineTrainer learning = OnlineTrainer.create(tinyModel(1e-2f), 8);
                OnlineTrainer frozen = OnlineTrainer.create(tinyModel(1e-9f), 8)) {
            PrequentialEvaluator.Result learned = null;
            PrequentialEvaluator.Result chance = null;
            for (int step = 0; step < 40; step++) {
                List<SequenceEvent> a = learningStream.batch(16, 2);
                List<SequenceEvent> b = frozenStream.batch(16, 2);
                learned = evaluator.evaluate(learning, a);
                chance = evaluator.evaluate(frozen, b);
                learning.process(a, 5, Instant.EPOCH);
                frozen.process(b, 5, Instant.EPOCH);
            }
            assertThat(learned.scored()).isEqualTo(32);
            assertThat(learned.coldItems()).isZero();
            // Chance: 10 of the ~34 items outside a 6-item history.
            assertThat((double) chance.hits() / chance.scored()).as("untrained hit rate").isLessThan(0.6);
            assertThat((double) learned.hits() / learned.scored()).as("trained hit rate").isGreaterThan(0.9);
            assertThat(learned.ndcgSum() / learned.scored()).as("NDCG@10").isGreaterThan(0.7).isLessThanOrEqualTo(1.0);
            assertThat(learned.ndcgSum()).isLessThanOrEqualTo(learned.hits());
        }
    }

    @Test
    void scoringBeforeABatchLeavesTheModelAndItsTrainingBitForBitUnchanged() {
        CycleStream left = new CycleStream();
        CycleStream right = new CycleStream();
        PrequentialEvaluator evaluator = new PrequentialEvaluator(10, 1.0);
        try (OnlineTrainer evaluated = OnlineTrainer.create(tinyModel(), 8);
                OnlineTrainer plain = OnlineTrainer.create(tinyModel(), 8)) {
            for (int step = 0; step < 5; step++) {
                List<SequenceEvent> a = left.batch(8, 2);
                List<SequenceEvent> b = right.batch(8, 2);
                evaluator.evaluate(evaluated, a);
                evaluated.process(a, 5, Instant.EPOCH);
                plain.process(b, 5, Instant.EPOCH);
            }
            assertThat(evaluated.snapshot()).isEqualTo(plain.snapshot());
        }
    }

    @Test
    void anItemTheIndexHasNeverSeenCountsAsAColdMiss() {
        try (OnlineTrainer trainer = OnlineTrainer.create(tinyModel(), 8)) {
            CycleStream stream = new CycleStream();
            trainer.process(stream.batch(8, 3), 5, Instant.EPOCH);
            long[] known = {ItemFingerprint.of("i0"), ItemFingerprint.of("i1")};
            SequenceEvent cold = new SequenceEvent("cold", "u0", "never-seen", 1L, known);
            PrequentialEvaluator.Result result = new PrequentialEvaluator(10, 1.0).evaluate(trainer, List.of(cold));
            assertThat(result.scored()).isEqualTo(1);
            assertThat(result.coldItems()).isEqualTo(1);
            assertThat(result.hits()).isZero();
        }
    }

    @Test
    void eventsWithoutHistoryAreNotScoredAndFractionZeroScoresNothing() {
        try (OnlineTrainer trainer = OnlineTrainer.create(tinyModel(), 8)) {
            CycleStream stream = new CycleStream();
            List<SequenceEvent> batch = stream.batch(8, 3);
            trainer.process(batch, 5, Instant.EPOCH);
            SequenceEvent fresh = new SequenceEvent("fresh", "new-user", "i3", 1L, new long[0]);
            assertThat(new PrequentialEvaluator(10, 1.0).evaluate(trainer, List.of(fresh)).scored()).isZero();
            assertThat(new PrequentialEvaluator(10, 0.0).evaluate(trainer, stream.batch(8, 3)).scored()).isZero();
        }
    }

    @Test
    void samplingPicksTheSameEventsEveryTimeAndAboutTheRequestedShare() {
        PrequentialEvaluator evaluator = new PrequentialEvaluator(10, 0.25);
        int sampled = 0;
        for (int i = 0; i < 20_000; i++) {
            boolean once = evaluator.sampled("event-" + i);
            assertThat(new PrequentialEvaluator(10, 0.25).sampled("event-" + i)).isEqualTo(once);
            sampled += once ? 1 : 0;
        }
        assertThat(sampled / 20_000.0).isBetween(0.23, 0.27);
    }
}
