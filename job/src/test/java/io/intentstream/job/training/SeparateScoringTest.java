package io.intentstream.job.training;

import static io.intentstream.job.training.TinyTrainingModel.BATCH;
import static io.intentstream.job.training.TinyTrainingModel.T;
import static io.intentstream.job.training.TinyTrainingModel.TOP_N;
import static io.intentstream.job.training.TinyTrainingModel.WARM_UP;
import static org.assertj.core.api.Assertions.assertThat;

import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.history.SequenceEvent;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.training.TrainingLock;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * scoring.mode SEPARATE: the training operator publishes versioned scoring snapshots when it opens, then at its
 * interval when the model changed, and at the end of input; the scoring operator holds events until it has a model
 * and answers each batch exactly as its trainer's model would, stamped with that model's version. Tiny real model
 * ({@link TinyTrainingModel}).
 */
class SeparateScoringTest {

    private static final Duration INTERVAL = Duration.ofMillis(100);

    @Test
    void theTrainerPublishesAtOpenThenChangedModelsAndAnswersNothingItself() throws Exception {
        List<SequenceEvent> events = new UserWindowStream(31, 5, T).events(2 * BATCH, 0, 30);
        IntentTrainingOperator operator = new IntentTrainingOperator(TinyTrainingModel.config(), BATCH,
                Duration.ofMinutes(10), Duration.ofDays(1), TOP_N, WARM_UP).trainOnly().withModelUpdates(INTERVAL);
        try (var harness = new OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment>(operator)) {
            harness.setup();
            harness.open();
            harness.setProcessingTime(1);
            assertThat(versions(harness.getSideOutput(IntentTrainingOperator.MODEL_UPDATES))).containsExactly(0L);
            harness.setProcessingTime(50); // unchanged: nothing new
            assertThat(harness.getSideOutput(IntentTrainingOperator.MODEL_UPDATES)).hasSize(1);

            for (SequenceEvent event : events) {
                harness.processElement(new StreamRecord<>(event, event.eventTime));
            }
            // Steps run on their own thread; the end of input waits for them, trains what is left and publishes.
            harness.endInput();
            List<Long> published = versions(harness.getSideOutput(IntentTrainingOperator.MODEL_UPDATES));
            assertThat(published).isSorted().doesNotHaveDuplicates().startsWith(0L).endsWith(2L);
            harness.setProcessingTime(1_000); // unchanged since the end: not published again
            assertThat(harness.getSideOutput(IntentTrainingOperator.MODEL_UPDATES)).hasSize(published.size());
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(harness.getSideOutput(IntentTrainingOperator.RECOMMENDATIONS)).isNullOrEmpty();
        }
    }

    @Test
    void whileAStepRunsTheTrainerKeepsTakingEventsAndLeavesOutWhatItCannotTrain() throws Exception {
        List<SequenceEvent> events = new UserWindowStream(33, 5, T).events(4 * BATCH, 0, 30);
        IntentTrainingOperator operator = new IntentTrainingOperator(TinyTrainingModel.config(), BATCH,
                Duration.ofMinutes(10), Duration.ofDays(1), TOP_N, WARM_UP).trainOnly().withModelUpdates(INTERVAL);
        try (var harness = new OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment>(operator)) {
            harness.setup();
            harness.open();
            // Holding the engine's training lock keeps the first step running while the other events arrive.
            try (TrainingLock.Held held = TrainingLock.acquire()) {
                for (SequenceEvent event : events) {
                    harness.processElement(new StreamRecord<>(event, event.eventTime));
                }
            }
            harness.endInput();
            // The first batch, then only the newest batch's worth of the three that came during its step.
            assertThat(versions(harness.getSideOutput(IntentTrainingOperator.MODEL_UPDATES))).endsWith(2L);
            long trained = (Long) operator.getRuntimeContext()
                    .getAccumulator(IntentTrainingOperator.TRAINED_EVENTS_ACCUMULATOR).getLocalValue();
            // (At most: a kept event whose whole history was left out has nothing to train on.)
            long firstBatch = withHistory(events.subList(0, BATCH));
            assertThat(trained).isGreaterThan(firstBatch)
                    .isLessThanOrEqualTo(firstBatch + withHistory(events.subList(3 * BATCH, 4 * BATCH)))
                    .isLessThan(withHistory(events) - BATCH);
        }
    }

    @Test
    void withBackpressureTheTrainerTrainsOnEveryEventInBatchesOfTheBatchSize() throws Exception {
        List<SequenceEvent> events = new UserWindowStream(33, 5, T).events(4 * BATCH, 0, 30);
        IntentTrainingOperator operator = new IntentTrainingOperator(TinyTrainingModel.config(), BATCH,
                Duration.ofMinutes(10), Duration.ofDays(1), TOP_N, WARM_UP).trainOnly().withModelUpdates(INTERVAL)
                .withSkipEventsWhenBehind(false);
        try (var harness = new OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment>(operator)) {
            harness.setup();
            harness.open();
            for (SequenceEvent event : events) {
                harness.processElement(new StreamRecord<>(event, event.eventTime));
            }
            harness.endInput();
            assertThat(versions(harness.getSideOutput(IntentTrainingOperator.MODEL_UPDATES))).endsWith(4L);
            long trained = (Long) operator.getRuntimeContext()
                    .getAccumulator(IntentTrainingOperator.TRAINED_EVENTS_ACCUMULATOR).getLocalValue();
            assertThat(trained).isEqualTo(withHistory(events));
        }
    }

    /**
     * Also for a trainer that scores with an average of its weights (the copy then answers with that average) and
     * one whose scores add a bias per item (the copy's recommendations then add it too).
     */
    @ParameterizedTest(name = "weight average decay {0}, item bias {1}")
    @CsvSource({"0, false", "0.9, false", "0, true"})
    void theScorerHoldsEventsUntilItHasAModelThenAnswersAsThatModel(float weightAverageDecay, boolean itemBias)
            throws Exception {
        UserWindowStream stream = new UserWindowStream(32, 5, T);
        List<SequenceEvent> training = stream.events(4 * BATCH, 0, 30);
        List<SequenceEvent> early = stream.events(BATCH + 3, 0, 30);
        List<SequenceEvent> late = stream.events(BATCH, 0, 30);
        IntentScoringOperator operator = new IntentScoringOperator(BATCH, Duration.ofMinutes(10), Duration.ofDays(1),
                TOP_N, TrainingMetrics.Settings.DEFAULTS);
        ElcRecConfig config = TinyTrainingModel.config().toBuilder().weightAverageDecay(weightAverageDecay)
                .itemBias(itemBias).build();
        try (OnlineTrainer trainer = OnlineTrainer.create(config, WARM_UP);
                var harness = new TwoInputStreamOperatorTestHarness<SequenceEvent, byte[], IntentAssignment>(
                        operator)) {
            harness.setup();
            harness.open();
            train(trainer, training.subList(0, 2 * BATCH));
            byte[] first = trainer.scoringSnapshot();
            OnlineTrainer.BatchOutcome firstOutcome = trainer.process(early, TOP_N, Instant.EPOCH,
                    EventSample.training(0));
            List<IntentAssignment> firstAnswers = firstOutcome.intents();

            for (SequenceEvent event : early) {
                harness.processElement1(new StreamRecord<>(event, event.eventTime));
            }
            harness.processWatermark1(new Watermark(early.get(0).eventTime + 1));
            harness.processWatermark2(new Watermark(Long.MAX_VALUE - 1));
            // No model yet: more than a batch waits, and so does the watermark.
            assertThat(harness.getOutput()).isEmpty();

            harness.processElement2(new StreamRecord<>(first));
            List<IntentAssignment> answered = harness.extractOutputValues();
            assertThat(answered).isEqualTo(firstAnswers);
            assertThat(answered).extracting(IntentAssignment::getModelVersion).containsOnly(2L);
            assertThat(harness.getSideOutput(IntentTrainingOperator.RECOMMENDATIONS))
                    .extracting(record -> ((Recommendation) record.getValue()).getEventId())
                    .containsExactlyElementsOf(early.stream().map(e -> e.eventId).toList());
            assertThat(harness.getSideOutput(IntentTrainingOperator.RECOMMENDATIONS))
                    .extracting(record -> ((Recommendation) record.getValue()).getItems())
                    .containsExactlyElementsOf(firstOutcome.recommendations().stream()
                            .map(Recommendation::getItems).toList());
            // The interactions' watermark went on after the held events; the update input's never does.
            assertThat(harness.getOutput()).filteredOn(Watermark.class::isInstance)
                    .containsExactly(new Watermark(early.get(0).eventTime + 1));

            train(trainer, training.subList(2 * BATCH, 4 * BATCH));
            harness.processElement2(new StreamRecord<>(trainer.scoringSnapshot()));
            for (SequenceEvent event : late) {
                harness.processElement1(new StreamRecord<>(event, event.eventTime));
            }
            List<IntentAssignment> lateAnswers = harness.extractOutputValues().subList(early.size(),
                    early.size() + late.size());
            assertThat(lateAnswers).isEqualTo(trainer.process(late, TOP_N, Instant.EPOCH,
                    EventSample.training(0)).intents());
            assertThat(lateAnswers).extracting(IntentAssignment::getModelVersion).containsOnly(4L);
        }
    }

    private static long withHistory(List<SequenceEvent> events) {
        return events.stream().filter(e -> e.history.length > 0).count();
    }

    private static void train(OnlineTrainer trainer, List<SequenceEvent> events) {
        for (int from = 0; from < events.size(); from += BATCH) {
            trainer.train(events.subList(from, from + BATCH), EventSample.training(1.0));
        }
    }

    private static List<Long> versions(ConcurrentLinkedQueue<StreamRecord<byte[]>> updates) {
        return updates.stream().map(update -> ModelSnapshot.fromBytes(update.getValue()).version()).toList();
    }
}
