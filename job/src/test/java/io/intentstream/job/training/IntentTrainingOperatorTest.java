package io.intentstream.job.training;

import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.avro.ScoredItem;
import io.intentstream.job.history.SequenceEvent;
import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.catalog.ItemFingerprint;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;

/** Harness tests of the training operator with a tiny real model (d 16, k 4, T 5), so each runs in seconds. */
class IntentTrainingOperatorTest {

    private static final int T = 5;
    private static final int K = 4;
    private static final int BATCH = 4;
    private static final Duration MAX_WAIT = Duration.ofMillis(200);
    private static final Duration SPAN = Duration.ofMinutes(5);
    private static final int TOP_N = 3;
    private static final int WARM_UP = 8;

    private final List<OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment>> harnesses =
            new ArrayList<>();

    private static ElcRecConfig tinyModel(int items) {
        return tinyModel(items, 0f);
    }

    private static ElcRecConfig tinyModel(int items, float weightAverageDecay) {
        return ElcRecConfig.builder(items)
                .maxSequenceLength(T)
                .hiddenSize(16)
                .clusters(K)
                .layers(1)
                .device(Device.CPU)
                .seed(7)
                .weightAverageDecay(weightAverageDecay)
                .build();
    }

    private OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment> harness(int items) throws Exception {
        return harness(items, 0f);
    }

    private OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment> harness(int items,
            float weightAverageDecay) throws Exception {
        OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment> harness =
                new OneInputStreamOperatorTestHarness<>(new IntentTrainingOperator(
                        tinyModel(items, weightAverageDecay), BATCH, MAX_WAIT, SPAN, TOP_N, WARM_UP));
        harnesses.add(harness);
        return harness;
    }

    /** A harness whose operator refits the centres from model version {@code refitStep} on (0: never). */
    private OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment> refittingHarness(int items,
            long refitStep) throws Exception {
        OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment> harness =
                new OneInputStreamOperatorTestHarness<>(new IntentTrainingOperator(
                        tinyModel(items), BATCH, MAX_WAIT, SPAN, TOP_N, WARM_UP).withCentreRefitStep(refitStep));
        harnesses.add(harness);
        return harness;
    }

    private OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment> openHarness(int items) throws Exception {
        return openHarness(items, 0f);
    }

    private OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment> openHarness(int items,
            float weightAverageDecay) throws Exception {
        OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment> harness = harness(items, weightAverageDecay);
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

    private static void send(OneInputStreamOperatorTestHarness<SequenceEvent, ?> harness, SequenceEvent event)
            throws Exception {
        harness.processElement(new StreamRecord<>(event, event.eventTime));
    }

    private static long longAccumulator(OneInputStreamOperatorTestHarness<SequenceEvent, ?> harness, String name) {
        LongCounter counter = (LongCounter) ((AbstractStreamOperator<?>) harness.getOperator()).getRuntimeContext()
                .<Long, Long>getAccumulator(name);
        assertThat(counter).as("accumulator %s", name).isNotNull();
        return counter.getLocalValue();
    }

    /** A task metric group that hands every operator the same intercepting group, so tests can read metrics. */
    private static final class InterceptingTask extends UnregisteredMetricGroups.UnregisteredTaskMetricGroup {
        final InterceptingOperatorMetricGroup operator = new InterceptingOperatorMetricGroup();

        @Override
        public InternalOperatorMetricGroup getOrAddOperator(OperatorID id, String name, Map<String, String> attributes) {
            return operator;
        }
    }

    private static List<Recommendation> recommendations(OneInputStreamOperatorTestHarness<SequenceEvent, ?> harness) {
        ConcurrentLinkedQueue<StreamRecord<Recommendation>> side =
                harness.getSideOutput(IntentTrainingOperator.RECOMMENDATIONS);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void flushesWhenTheBatchIsFull() throws Exception {
        var harness = openHarness(20);
        UserWindowStream stream = new UserWindowStream(1, 3, T);
        for (int i = 0; i < BATCH - 1; i++) {
            send(harness, stream.event(0, 10));
        }
        assertThat(harness.extractOutputValues()).isEmpty();

        send(harness, stream.event(0, 10));

        assertThat(harness.extractOutputValues()).extracting(IntentAssignment::getEventId)
                .containsExactly("e0", "e1", "e2", "e3");
        assertThat(recommendations(harness)).extracting(Recommendation::getEventId)
                .containsExactly("e0", "e1", "e2", "e3");
    }

    @Test
    void flushesAPartialBatchWhenTheMaximumWaitElapses() throws Exception {
        var harness = openHarness(20);
        UserWindowStream stream = new UserWindowStream(2, 3, T);
        harness.setProcessingTime(1_000);
        send(harness, stream.event(0, 10));
        harness.setProcessingTime(1_100);
        send(harness, stream.event(0, 10));

        harness.setProcessingTime(1_000 + MAX_WAIT.toMillis() - 1);
        assertThat(harness.extractOutputValues()).isEmpty();

        harness.setProcessingTime(1_000 + MAX_WAIT.toMillis());
        assertThat(harness.extractOutputValues()).hasSize(2);
        assertThat(recommendations(harness)).hasSize(2);
        assertThat(harness.extractOutputValues().get(0).getEmitTime().toEpochMilli())
                .isEqualTo(1_000 + MAX_WAIT.toMillis());
    }

    @Test
    void flushesBeforeAnEventOutsideTheBatchsEventTimeSpan() throws Exception {
        var harness = openHarness(20);
        UserWindowStream stream = new UserWindowStream(2, 3, T);
        SequenceEvent first = stream.event(0, 10);
        SequenceEvent second = stream.event(0, 10);
        SequenceEvent late = stream.event(0, 10);
        late.eventTime = first.eventTime + SPAN.toMillis() - 1;
        SequenceEvent outside = stream.event(0, 10);
        outside.eventTime = first.eventTime + SPAN.toMillis();
        for (SequenceEvent event : List.of(first, second, late)) {
            send(harness, event);
        }
        assertThat(harness.extractOutputValues()).isEmpty();

        send(harness, outside);

        assertThat(harness.extractOutputValues()).extracting(IntentAssignment::getEventId)
                .containsExactly(first.eventId, second.eventId, late.eventId);
        harness.endInput();
        assertThat(harness.extractOutputValues()).hasSize(4);
    }

    @Test
    void flushesWhenTheWatermarkPassesTheBatchsEventTimeSpan() throws Exception {
        var harness = openHarness(20);
        UserWindowStream stream = new UserWindowStream(2, 3, T);
        SequenceEvent first = stream.event(0, 10);
        send(harness, first);
        send(harness, stream.event(0, 10));

        harness.processWatermark(new Watermark(first.eventTime + SPAN.toMillis() - 1));
        assertThat(harness.extractOutputValues()).isEmpty();

        harness.processWatermark(new Watermark(first.eventTime + SPAN.toMillis()));
        List<Object> output = new ArrayList<>(harness.getOutput());
        assertThat(output).hasSize(4);
        assertThat(output.subList(0, 2)).allSatisfy(o -> assertThat(o).isInstanceOf(StreamRecord.class));
        assertThat(output.subList(2, 4)).containsExactly(new Watermark(first.eventTime + SPAN.toMillis() - 1),
                new Watermark(first.eventTime + SPAN.toMillis()));
    }

    @Test
    void formsTheSameBatchesAndModelWhateverTheWallClockWhenTheWaitCannotFire() throws Exception {
        // Count and event-time span alone: two runs over the same events, one with the processing-time clock
        // jumping between events, one without, end with the same outputs and the same model.
        List<Long> checksums = new ArrayList<>();
        List<List<IntentAssignment>> outputs = new ArrayList<>();
        for (boolean clockMoves : new boolean[] {false, true}) {
            var harness = new OneInputStreamOperatorTestHarness<>(new IntentTrainingOperator(tinyModel(20), BATCH,
                    Duration.ofHours(1), Duration.ofMillis(5), TOP_N, WARM_UP));
            harnesses.add(harness);
            harness.setup();
            harness.open();
            UserWindowStream stream = new UserWindowStream(12, 3, T);
            for (int i = 0; i < 6 * BATCH; i++) {
                if (clockMoves) {
                    harness.setProcessingTime(i * 7L);
                }
                SequenceEvent event = stream.event(0, 10);
                event.eventTime = 1_000L + i * 2L; // every third event starts a new span of 5 ms
                send(harness, event);
            }
            harness.endInput();
            outputs.add(harness.extractOutputValues().stream()
                    .map(a -> IntentAssignment.newBuilder(a).setEmitTime(java.time.Instant.EPOCH).build()).toList());
            checksums.add(longAccumulator(harness, IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR));
        }
        assertThat(outputs.get(1)).isEqualTo(outputs.get(0));
        assertThat(checksums.get(1)).isEqualTo(checksums.get(0));
    }

    @Test
    void skipsANonFiniteStepKeepsTheParametersAndCountsIt() throws Exception {
        // A learning rate of 1e30 is a valid setting: Adam moves every touched parameter by about that much in
        // the first step, so the next forward pass overflows to an infinite or NaN loss: a forced non-finite step
        // through the real model, without any test hook.
        ElcRecConfig exploding = tinyModel(20).toBuilder().learningRate(1e30f).build();
        InterceptingTask metrics = new InterceptingTask();
        var harness = new OneInputStreamOperatorTestHarness<>(
                new IntentTrainingOperator(exploding, BATCH, MAX_WAIT, SPAN, TOP_N, WARM_UP),
                new MockEnvironmentBuilder().setMetricGroup(metrics).build());
        harnesses.add(harness);
        harness.setup();
        harness.open();
        UserWindowStream stream = new UserWindowStream(13, 2, T);
        for (int i = 0; i < 2 * BATCH; i++) { // two batches: the first trains, and blows the parameters up
            send(harness, stream.event(0, 6));
        }
        IntentTrainingOperator operator = (IntentTrainingOperator) harness.getOperator();
        long versionBefore = harness.extractOutputValues().get(2 * BATCH - 1).getModelVersion();
        OperatorSubtaskState before = harness.snapshot(1L, 1L);
        long skippedBefore = ((Counter) metrics.operator.get("skippedTrainSteps")).getCount();

        for (int i = 0; i < 3 * BATCH; i++) {
            send(harness, stream.event(0, 6));
        }
        harness.endInput();

        long skipped = ((Counter) metrics.operator.get("skippedTrainSteps")).getCount();
        assertThat(skipped - skippedBefore).as("every later step is non-finite and skipped").isEqualTo(3);
        assertThat(harness.extractOutputValues()).as("every event is still answered").hasSize(5 * BATCH);
        assertThat(harness.extractOutputValues().subList(2 * BATCH, 5 * BATCH))
                .allSatisfy(a -> assertThat(a.getModelVersion()).isEqualTo(versionBefore));
        assertThat(recommendations(harness)).hasSize(5 * BATCH);

        var restored = new OneInputStreamOperatorTestHarness<>(
                new IntentTrainingOperator(exploding, BATCH, MAX_WAIT, SPAN, TOP_N, WARM_UP));
        harnesses.add(restored);
        restored.setup();
        restored.initializeState(before);
        restored.open();
        restored.endInput();
        assertThat(longAccumulator(harness, IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR))
                .as("the parameters and moments after the skipped steps are those before them")
                .isEqualTo(longAccumulator(restored, IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR));
        assertThat(operator).isNotNull();
    }

    @Test
    void encodesTheModelOncePerChangeAcrossCheckpoints() throws Exception {
        InterceptingTask metrics = new InterceptingTask();
        var harness = new OneInputStreamOperatorTestHarness<>(
                new IntentTrainingOperator(tinyModel(20), BATCH, MAX_WAIT, SPAN, TOP_N, WARM_UP),
                new MockEnvironmentBuilder().setMetricGroup(metrics).build());
        harnesses.add(harness);
        harness.setup();
        harness.open();
        UserWindowStream stream = new UserWindowStream(14, 2, T);
        for (int i = 0; i < BATCH; i++) {
            send(harness, stream.event(0, 6));
        }
        harness.snapshot(1L, 1L);
        harness.snapshot(2L, 2L);
        harness.snapshot(3L, 3L);
        assertThat(((Counter) metrics.operator.get("snapshotsReused")).getCount()).isEqualTo(2);
        for (int i = 0; i < BATCH; i++) {
            send(harness, stream.event(0, 6));
        }
        OperatorSubtaskState afterChange = harness.snapshot(4L, 4L);
        assertThat(((Counter) metrics.operator.get("snapshotsReused")).getCount()).isEqualTo(2);

        var restored = harness(20);
        restored.setup();
        restored.initializeState(afterChange);
        restored.open();
        restored.endInput();
        harness.endInput();
        assertThat(longAccumulator(restored, IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR))
                .as("the checkpoint after the change holds the changed model")
                .isEqualTo(longAccumulator(harness, IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR));
    }

    @Test
    void flushesTheRestAtEndOfInput() throws Exception {
        var harness = openHarness(20);
        UserWindowStream stream = new UserWindowStream(3, 3, T);
        for (int i = 0; i < BATCH + 2; i++) {
            send(harness, stream.event(0, 10));
        }
        assertThat(harness.extractOutputValues()).hasSize(BATCH);

        harness.endInput();

        assertThat(harness.extractOutputValues()).hasSize(BATCH + 2);
        assertThat(recommendations(harness)).hasSize(BATCH + 2);
    }

    @Test
    void emitsOneIntentAndOneRecommendationPerEventThatRespectTheContract() throws Exception {
        var harness = openHarness(30);
        UserWindowStream stream = new UserWindowStream(4, 5, T);
        Map<String, SequenceEvent> sent = new HashMap<>();
        Map<String, Integer> itemsKnownAtFlush = new HashMap<>();
        Set<String> itemsSeen = new HashSet<>();
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < 41; i++) {
            SequenceEvent event = stream.event(0, 25);
            sent.put(event.eventId, event);
            itemsSeen.add(event.itemId);
            batch.add(event.eventId);
            if (batch.size() == BATCH || i == 40) {
                batch.forEach(id -> itemsKnownAtFlush.put(id, itemsSeen.size()));
                batch.clear();
            }
            send(harness, event);
        }
        harness.endInput();

        List<IntentAssignment> intents = harness.extractOutputValues();
        List<Recommendation> recommendations = recommendations(harness);
        assertThat(intents).extracting(IntentAssignment::getEventId).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(sent.keySet());
        assertThat(recommendations).extracting(Recommendation::getEventId).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(sent.keySet());

        long previousVersion = -1;
        for (IntentAssignment intent : intents) {
            SequenceEvent event = sent.get(intent.getEventId());
            assertThat(intent.getUserId()).isEqualTo(event.userId);
            assertThat(intent.getEventTime().toEpochMilli()).isEqualTo(event.eventTime);
            assertThat(intent.getClusterId()).isBetween(0, K - 1);
            assertThat(intent.getRunnerUpClusterId()).isBetween(0, K - 1).isNotEqualTo(intent.getClusterId());
            assertThat(intent.getClusterDistance()).isBetween(0f, 4.0001f)
                    .isLessThanOrEqualTo(intent.getRunnerUpDistance());
            assertThat(intent.getModelVersion()).isGreaterThanOrEqualTo(previousVersion);
            previousVersion = intent.getModelVersion();
        }
        assertThat(previousVersion).as("the model trained").isPositive();

        for (Recommendation recommendation : recommendations) {
            SequenceEvent event = sent.get(recommendation.getEventId());
            Set<Long> window = new HashSet<>(); // the last T items including the current one
            for (int h = Math.max(0, event.history.length - (T - 1)); h < event.history.length; h++) {
                window.add(event.history[h]);
            }
            window.add(ItemFingerprint.of(event.itemId));
            // Fewer than N only when the items known so far, minus the user's window, are fewer than N.
            int candidates = itemsKnownAtFlush.get(recommendation.getEventId()) - window.size();
            assertThat(recommendation.getItems()).hasSize(Math.min(TOP_N, candidates));
            assertThat(recommendation.getItems()).extracting(ScoredItem::getItemId)
                    .doesNotHaveDuplicates()
                    .allSatisfy(id -> assertThat(window).as("recommended %s from the user's window", id)
                            .doesNotContain(ItemFingerprint.of(id)))
                    .allSatisfy(id -> assertThat(id).matches("i\\d+"));
            List<Float> scores = recommendation.getItems().stream().map(ScoredItem::getScore).toList();
            assertThat(scores).isSortedAccordingTo((a, b) -> Float.compare(b, a));
        }

        LongCounter steps = (LongCounter) harness.getOperator().getRuntimeContext()
                .<Long, Long>getAccumulator(IntentTrainingOperator.TRAIN_STEPS_ACCUMULATOR);
        assertThat(steps.getLocalValue()).isEqualTo(previousVersion);
        Double loss = harness.getOperator().getRuntimeContext()
                .<Double, Double>getAccumulator(IntentTrainingOperator.LOSS_ACCUMULATOR).getLocalValue();
        assertThat(loss).isFinite();
    }

    @Test
    void recommendsOnlyItemsTheIndexStillHoldsWhenTheTableOverflows() throws Exception {
        int capacity = 8;
        var harness = openHarness(capacity);
        UserWindowStream stream = new UserWindowStream(5, 4, T);
        List<String> seen = new ArrayList<>();
        Map<String, List<String>> recentByEvent = new HashMap<>();
        for (int i = 0; i < 60; i++) {
            SequenceEvent event = stream.event(0, 40);
            seen.remove(event.itemId);
            seen.add(event.itemId);
            send(harness, event);
            if ((i + 1) % BATCH == 0) {
                // After a full batch the index holds the `capacity` most recently seen items.
                List<String> held = List.copyOf(seen.subList(Math.max(0, seen.size() - capacity), seen.size()));
                for (int j = i + 1 - BATCH; j <= i; j++) {
                    recentByEvent.put("e" + j, held);
                }
            }
        }
        for (Recommendation recommendation : recommendations(harness)) {
            List<String> held = recentByEvent.get(recommendation.getEventId());
            assertThat(recommendation.getItems()).extracting(ScoredItem::getItemId)
                    .allSatisfy(id -> assertThat(held).contains(id));
        }
        assertThat(recommendations(harness)).hasSize(60);
    }

    @Test
    void holdsWatermarksBackWhileEventsAreBuffered() throws Exception {
        var harness = openHarness(20);
        UserWindowStream stream = new UserWindowStream(6, 2, T);
        send(harness, stream.event(0, 10));
        harness.processWatermark(new Watermark(5_000));
        assertThat(harness.getOutput()).isEmpty();

        harness.endInput();

        List<Object> output = new ArrayList<>(harness.getOutput());
        assertThat(output).hasSize(2);
        assertThat(output.get(0)).isInstanceOf(StreamRecord.class);
        assertThat(output.get(1)).isEqualTo(new Watermark(5_000));
    }

    /** With a weight average too: the average is part of the checkpointed model and keeps scoring the same. */
    @ParameterizedTest(name = "weight average decay {0}")
    @ValueSource(floats = {0f, 0.9f})
    void restoresTheModelAndThePendingEventsFromACheckpoint(float weightAverageDecay) throws Exception {
        var original = openHarness(30, weightAverageDecay);
        UserWindowStream stream = new UserWindowStream(8, 4, T);
        List<SequenceEvent> pending = new ArrayList<>();
        for (int i = 0; i < 3 * BATCH + 2; i++) {
            SequenceEvent event = stream.event(0, 20);
            send(original, event);
            if (i >= 3 * BATCH) {
                pending.add(event);
            }
        }
        long versionAtCheckpoint = original.extractOutputValues().get(3 * BATCH - 1).getModelVersion();
        OperatorSubtaskState checkpoint = original.snapshot(1L, 1L);

        var restored = harness(30, weightAverageDecay);
        restored.setup();
        restored.initializeState(checkpoint);
        restored.open();

        // Both continue identically: the same pending events, then the same new ones.
        List<SequenceEvent> more = List.of(stream.event(0, 20), stream.event(0, 20));
        for (var harness : List.of(original, restored)) {
            for (SequenceEvent event : more) {
                send(harness, event);
            }
        }
        assertThat(restored.extractOutputValues()).extracting(IntentAssignment::getEventId)
                .containsExactly(pending.get(0).eventId, pending.get(1).eventId, more.get(0).eventId,
                        more.get(1).eventId);
        assertThat(restored.extractOutputValues().get(0).getModelVersion()).isEqualTo(versionAtCheckpoint + 1);
        assertThat(longAccumulator(restored, IntentTrainingOperator.RESTORED_MODEL_CHECKSUM_ACCUMULATOR))
                .isEqualTo(longAccumulator(restored, IntentTrainingOperator.CHECKPOINTED_MODEL_CHECKSUM_ACCUMULATOR));

        List<IntentAssignment> continued = original.extractOutputValues()
                .subList(3 * BATCH, original.extractOutputValues().size());
        assertThat(restored.extractOutputValues()).isEqualTo(continued);
        assertThat(recommendations(restored))
                .isEqualTo(recommendations(original).subList(3 * BATCH, recommendations(original).size()));
    }

    @Test
    void restoresCentreWarmUpProgressFromACheckpoint() throws Exception {
        var original = openHarness(30);
        UserWindowStream stream = new UserWindowStream(9, 4, T);
        for (int i = 0; i < BATCH; i++) { // half of the warm-up
            send(original, stream.event(0, 20));
        }
        OperatorSubtaskState checkpoint = original.snapshot(1L, 1L);
        var restored = harness(30);
        restored.setup();
        restored.initializeState(checkpoint);
        restored.open();

        List<SequenceEvent> more = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            more.add(stream.event(0, 20));
        }
        for (var harness : List.of(original, restored)) {
            for (SequenceEvent event : more) {
                send(harness, event);
            }
        }
        // The second batch completes the warm-up in both; identical outputs mean identical centres.
        assertThat(restored.extractOutputValues())
                .isEqualTo(original.extractOutputValues().subList(BATCH, 2 * BATCH));
    }

    @Test
    void restoresCentreRefitProgressFromACheckpoint() throws Exception {
        // Batches of 4, warm-up 8: the first fit takes the first two batches, the refit from step 2 the next two;
        // the checkpoint falls between the refit's two batches.
        var original = refittingHarness(30, 2);
        original.setup();
        original.open();
        UserWindowStream stream = new UserWindowStream(9, 4, T);
        for (int i = 0; i < 3 * BATCH; i++) {
            send(original, stream.event(0, 20));
        }
        OperatorSubtaskState checkpoint = original.snapshot(1L, 1L);
        var restored = refittingHarness(30, 2);
        var restoredWithoutRefit = refittingHarness(30, 0);
        for (var harness : List.of(restored, restoredWithoutRefit)) {
            harness.setup();
            harness.initializeState(checkpoint);
            harness.open();
        }

        List<SequenceEvent> more = new ArrayList<>();
        for (int i = 0; i < 2 * BATCH; i++) {
            more.add(stream.event(0, 20));
        }
        for (var harness : List.of(original, restored, restoredWithoutRefit)) {
            for (SequenceEvent event : more) {
                send(harness, event);
            }
        }
        List<IntentAssignment> continued = original.extractOutputValues().subList(3 * BATCH, 5 * BATCH);
        // The refit completes in the first batch after the restore: with the checkpointed windows and fit version
        // the restored operator makes it exactly; one that does not refit answers otherwise.
        assertThat(restored.extractOutputValues()).isEqualTo(continued);
        assertThat(restoredWithoutRefit.extractOutputValues()).isNotEqualTo(continued);
    }
}
