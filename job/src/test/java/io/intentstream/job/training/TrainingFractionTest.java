package io.intentstream.job.training;

import static io.intentstream.job.training.TinyTrainingModel.BATCH;
import static io.intentstream.job.training.TinyTrainingModel.ITEMS;
import static io.intentstream.job.training.TinyTrainingModel.K;
import static io.intentstream.job.training.TinyTrainingModel.T;
import static io.intentstream.job.training.TinyTrainingModel.TOP_N;
import static io.intentstream.job.training.TinyTrainingModel.WARM_UP;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.history.SequenceEvent;
import org.apache.flink.api.common.accumulators.Accumulator;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * training.fraction: the model trains on the events a hash of their id chooses and scores every event; 0 leaves the
 * model untouched. Tiny real model ({@link TinyTrainingModel}).
 */
class TrainingFractionTest {

    private final List<OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment>> harnesses =
            new ArrayList<>();

    private OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment> harness(Double fraction)
            throws Exception {
        IntentTrainingOperator operator = new IntentTrainingOperator(TinyTrainingModel.config(), BATCH, Duration.ofMinutes(10),
                Duration.ofDays(1), TOP_N, WARM_UP);
        if (fraction != null) {
            operator.withTrainingFraction(fraction);
        }
        var harness = new OneInputStreamOperatorTestHarness<>(operator);
        harnesses.add(harness);
        return harness;
    }

    private OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment> openHarness(Double fraction)
            throws Exception {
        var harness = harness(fraction);
        harness.setup();
        harness.open();
        return harness;
    }

    @AfterEach
    void closeHarnesses() throws Exception {
        for (var harness : harnesses) {
            harness.close();
        }
    }

    private static void sendAll(OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment> harness,
            List<SequenceEvent> events) throws Exception {
        for (SequenceEvent event : events) {
            harness.processElement(new StreamRecord<>(event, event.eventTime));
        }
    }

    private static long accumulator(OneInputStreamOperatorTestHarness<SequenceEvent, ?> harness, String name) {
        Accumulator<?, ?> value = ((AbstractStreamOperator<?>) harness.getOperator()).getRuntimeContext()
                .getAccumulator(name);
        assertThat(value).as("accumulator %s", name).isNotNull();
        return (Long) value.getLocalValue();
    }

    private static List<Recommendation> recommendations(OneInputStreamOperatorTestHarness<SequenceEvent, ?> harness) {
        var side = harness.getSideOutput(IntentTrainingOperator.RECOMMENDATIONS);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }

    private static List<String> ids(List<SequenceEvent> events) {
        return events.stream().map(e -> e.eventId).toList();
    }

    @Test
    void fractionZeroServesARestoredModelWithoutChangingItAndAnswersEveryEvent() throws Exception {
        var training = openHarness(1.0);
        UserWindowStream stream = new UserWindowStream(11, 6, T);
        List<SequenceEvent> before = stream.events(5 * BATCH, 0, 30);
        sendAll(training, before);
        long trainedVersion = training.extractOutputValues().get(before.size() - 1).getModelVersion();
        assertThat(trainedVersion).as("the model trained before the checkpoint").isGreaterThan(0);
        Set<String> itemsBefore = new HashSet<>();
        before.forEach(e -> itemsBefore.add(e.itemId));
        OperatorSubtaskState checkpoint = training.snapshot(1L, 1L);

        var serving = harness(0.0);
        serving.setup();
        serving.initializeState(checkpoint);
        serving.open();
        // Known items and items the model has never seen (i30..i44): neither may change the model or its index.
        List<SequenceEvent> after = stream.events(6 * BATCH + 3, 15, 30);
        sendAll(serving, after);
        serving.endInput();

        assertThat(serving.extractOutputValues()).extracting(IntentAssignment::getEventId)
                .containsExactlyElementsOf(ids(after));
        assertThat(recommendations(serving)).extracting(Recommendation::getEventId)
                .containsExactlyElementsOf(ids(after));
        assertThat(serving.extractOutputValues()).extracting(IntentAssignment::getModelVersion)
                .containsOnly(trainedVersion);
        assertThat(recommendations(serving)).allSatisfy(r -> {
            assertThat(r.getModelVersion()).isEqualTo(trainedVersion);
            assertThat(r.getItems()).hasSize(TOP_N);
            assertThat(r.getItems()).allSatisfy(item -> assertThat(itemsBefore).contains(item.getItemId()));
        });
        long restored = accumulator(serving, IntentTrainingOperator.RESTORED_MODEL_CHECKSUM_ACCUMULATOR);
        assertThat(accumulator(serving, IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR)).isEqualTo(restored);
        assertThat(accumulator(serving, IntentTrainingOperator.FINAL_MODEL_VERSION_ACCUMULATOR))
                .isEqualTo(trainedVersion);
        assertThat(accumulator(serving, IntentTrainingOperator.FINAL_ITEM_COUNT_ACCUMULATOR))
                .isEqualTo(itemsBefore.size());
        assertThat(accumulator(serving, IntentTrainingOperator.TRAIN_STEPS_ACCUMULATOR)).isZero();
        assertThat(accumulator(serving, IntentTrainingOperator.TRAINED_EVENTS_ACCUMULATOR)).isZero();
        assertThat(accumulator(serving, IntentTrainingOperator.SCORED_ONLY_EVENTS_ACCUMULATOR))
                .isEqualTo(after.size());
    }

    @Test
    void fractionZeroWithoutAnInitialModelKeepsTheFreshModelAndStillAnswersEveryEvent() throws Exception {
        long fresh;
        try (OnlineTrainer untouched = OnlineTrainer.create(TinyTrainingModel.config(), WARM_UP)) {
            fresh = untouched.checksum();
        }
        var harness = openHarness(0.0);
        List<SequenceEvent> events = new UserWindowStream(12, 4, T).events(3 * BATCH + 1, 0, 20);
        sendAll(harness, events);
        harness.endInput();

        assertThat(harness.extractOutputValues()).extracting(IntentAssignment::getEventId)
                .containsExactlyElementsOf(ids(events));
        assertThat(harness.extractOutputValues()).extracting(IntentAssignment::getModelVersion).containsOnly(0L);
        // Nothing is in the item index, so there is nothing to recommend; the record is still there.
        assertThat(recommendations(harness)).extracting(Recommendation::getEventId)
                .containsExactlyElementsOf(ids(events));
        assertThat(recommendations(harness)).allSatisfy(r -> assertThat(r.getItems()).isEmpty());
        assertThat(accumulator(harness, IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR)).isEqualTo(fresh);
        assertThat(accumulator(harness, IntentTrainingOperator.FINAL_ITEM_COUNT_ACCUMULATOR)).isZero();
        assertThat(accumulator(harness, IntentTrainingOperator.TRAIN_STEPS_ACCUMULATOR)).isZero();
    }

    @Test
    void aQuarterTrainsOnExactlyTheChosenEventsWithAHistory() throws Exception {
        List<SequenceEvent> events = new UserWindowStream(13, 5, T).events(24 * BATCH, 0, 40);
        EventSample quarter = EventSample.training(0.25);
        List<String> expected = events.stream()
                .filter(e -> e.history.length > 0 && quarter.chooses(e.eventId))
                .map(e -> e.eventId)
                .toList();
        int withHistory = (int) events.stream().filter(e -> e.history.length > 0).count();
        // The hash picks about a quarter: the test means something only if it is neither none nor all.
        assertThat(expected.size()).isBetween(withHistory / 8, withHistory / 2);

        List<String> trained = new ArrayList<>();
        long steps = 0;
        long batchesWithAChosenEvent = 0;
        try (OnlineTrainer trainer = OnlineTrainer.create(TinyTrainingModel.config(), WARM_UP)) {
            for (int from = 0; from < events.size(); from += BATCH) {
                List<SequenceEvent> batch = events.subList(from, from + BATCH);
                long versionBefore = trainer.modelVersion();
                OnlineTrainer.BatchOutcome outcome = trainer.process(batch, TOP_N, Instant.EPOCH, quarter);
                trained.addAll(outcome.trainedEventIds());
                assertThat(outcome.trainingSamples()).isEqualTo(outcome.trainedEventIds().size());
                assertThat(outcome.intents()).extracting(IntentAssignment::getEventId)
                        .containsExactlyElementsOf(ids(batch));
                assertThat(outcome.recommendations()).extracting(Recommendation::getEventId)
                        .containsExactlyElementsOf(ids(batch));
                assertThat(outcome.intents()).extracting(IntentAssignment::getModelVersion)
                        .containsOnly(trainer.modelVersion());
                if (outcome.trained()) {
                    steps++;
                    assertThat(trainer.modelVersion()).isEqualTo(versionBefore + 1);
                } else {
                    assertThat(trainer.modelVersion()).isEqualTo(versionBefore);
                }
                if (batch.stream().anyMatch(e -> e.history.length > 0 && quarter.chooses(e.eventId))) {
                    batchesWithAChosenEvent++;
                }
            }
        }
        assertThat(trained).containsExactlyElementsOf(expected);
        assertThat(steps).isEqualTo(batchesWithAChosenEvent);

        // The operator counts the same split between trained and scored-only events.
        var harness = openHarness(0.25);
        sendAll(harness, events);
        harness.endInput();
        assertThat(harness.extractOutputValues()).extracting(IntentAssignment::getEventId)
                .containsExactlyElementsOf(ids(events));
        assertThat(recommendations(harness)).hasSize(events.size());
        assertThat(accumulator(harness, IntentTrainingOperator.TRAINED_EVENTS_ACCUMULATOR))
                .isEqualTo(expected.size());
        assertThat(accumulator(harness, IntentTrainingOperator.SCORED_ONLY_EVENTS_ACCUMULATOR))
                .isEqualTo(events.size() - expected.size());
        assertThat(accumulator(harness, IntentTrainingOperator.TRAIN_STEPS_ACCUMULATOR)).isEqualTo(steps);
    }

    @Test
    void theSameInputGivesTheSameModelAtAFixedFractionAlsoAcrossARestore() throws Exception {
        List<SequenceEvent> events = new UserWindowStream(14, 5, T).events(12 * BATCH + 5, 0, 40);
        int cut = 7 * BATCH + 3;

        var first = openHarness(0.25);
        sendAll(first, events);
        first.endInput();

        var second = openHarness(0.25);
        sendAll(second, events.subList(0, cut));
        OperatorSubtaskState checkpoint = second.snapshot(1L, 1L);
        var restored = harness(0.25);
        restored.setup();
        restored.initializeState(checkpoint);
        restored.open();
        sendAll(restored, events.subList(cut, events.size()));
        restored.endInput();

        long checksum = accumulator(first, IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR);
        assertThat(accumulator(first, IntentTrainingOperator.FINAL_MODEL_VERSION_ACCUMULATOR)).isGreaterThan(0);
        assertThat(accumulator(restored, IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR))
                .isEqualTo(checksum);
        List<IntentAssignment> resumed = new ArrayList<>(second.extractOutputValues());
        resumed.addAll(restored.extractOutputValues());
        assertThat(resumed).isEqualTo(first.extractOutputValues());

        // A different fraction trains on other events and ends with another model.
        var half = openHarness(0.5);
        sendAll(half, events);
        half.endInput();
        assertThat(accumulator(half, IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR)).isNotEqualTo(checksum);
    }

    @Test
    void fractionOneTrainsOnEveryEventWithAHistoryAsWithoutTheSetting() throws Exception {
        List<SequenceEvent> events = new UserWindowStream(15, 5, T).events(6 * BATCH + 2, 0, 40);
        var unset = openHarness(null);
        var one = openHarness(1.0);
        for (var harness : List.of(unset, one)) {
            sendAll(harness, events);
            harness.endInput();
        }
        assertThat(one.extractOutputValues()).isEqualTo(unset.extractOutputValues());
        assertThat(recommendations(one)).isEqualTo(recommendations(unset));
        assertThat(accumulator(one, IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR))
                .isEqualTo(accumulator(unset, IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR));
        long withHistory = events.stream().filter(e -> e.history.length > 0).count();
        assertThat(accumulator(one, IntentTrainingOperator.TRAINED_EVENTS_ACCUMULATOR)).isEqualTo(withHistory);
        assertThat(accumulator(one, IntentTrainingOperator.SCORED_ONLY_EVENTS_ACCUMULATOR))
                .isEqualTo(events.size() - withHistory);
    }
}
