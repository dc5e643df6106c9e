package io.intentstream.job.training;

import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.history.SequenceEvent;
import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.apache.flink.api.common.accumulators.DoubleCounter;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A train-only training operator (the non-final epochs of a replay) against the usual one on the same events: it
 * emits nothing and scores nothing, and ends with the same model after the same steps.
 */
class TrainOnlyOperatorTest {

    private static final int T = 5;
    private static final int BATCH = 4;
    private static final int WARM_UP = 8;

    private final List<OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment>> harnesses =
            new ArrayList<>();

    @AfterEach
    void closeHarnesses() throws Exception {
        for (var harness : harnesses) {
            harness.close();
        }
    }

    private OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment> run(boolean trainOnly,
            List<SequenceEvent> events) throws Exception {
        ElcRecConfig config = ElcRecConfig.builder(20).maxSequenceLength(T).hiddenSize(16).clusters(4).layers(1)
                .device(Device.CPU).seed(7).build();
        // The wait and the event-time span cannot fire: batches are cut by count alone, in both runs alike.
        IntentTrainingOperator operator = new IntentTrainingOperator(config, BATCH, Duration.ofHours(1),
                Duration.ofDays(1), 3, WARM_UP);
        if (trainOnly) {
            operator.trainOnly();
        }
        var harness = new OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment>(operator);
        harnesses.add(harness);
        harness.setup();
        harness.open();
        for (SequenceEvent event : events) {
            harness.processElement(new StreamRecord<>(event, event.eventTime));
        }
        harness.endInput();
        return harness;
    }

    private static long counter(OneInputStreamOperatorTestHarness<SequenceEvent, ?> harness, String name) {
        LongCounter counter = (LongCounter) operator(harness).getRuntimeContext().<Long, Long>getAccumulator(name);
        assertThat(counter).as("accumulator %s", name).isNotNull();
        return counter.getLocalValue();
    }

    private static AbstractStreamOperator<?> operator(OneInputStreamOperatorTestHarness<SequenceEvent, ?> harness) {
        return (AbstractStreamOperator<?>) harness.getOperator();
    }

    private static List<Recommendation> recommendations(OneInputStreamOperatorTestHarness<SequenceEvent, ?> harness) {
        ConcurrentLinkedQueue<StreamRecord<Recommendation>> side =
                harness.getSideOutput(IntentTrainingOperator.RECOMMENDATIONS);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void trainOnlyEmitsAndScoresNothingAndEndsWithTheModelOfTheScoringOperator() throws Exception {
        // 9 full batches and a partial one flushed at the end of input; the centres are fitted after the second.
        List<SequenceEvent> events = new UserWindowStream(21, 5, T).events(9 * BATCH + 3, 0, 15);

        var scoring = run(false, events);
        var trainOnly = run(true, events);

        assertThat(scoring.extractOutputValues()).hasSize(events.size());
        assertThat(recommendations(scoring)).hasSize(events.size());
        assertThat(counter(scoring, IntentTrainingOperator.EVENTS_OUT_ACCUMULATOR)).isEqualTo(events.size());
        assertThat(counter(scoring, IntentTrainingOperator.PREQUENTIAL_SCORED_ACCUMULATOR)).isPositive();

        assertThat(trainOnly.extractOutputValues()).isEmpty();
        assertThat(recommendations(trainOnly)).isEmpty();
        assertThat(counter(trainOnly, IntentTrainingOperator.EVENTS_OUT_ACCUMULATOR)).isZero();
        assertThat(counter(trainOnly, IntentTrainingOperator.PREQUENTIAL_SCORED_ACCUMULATOR)).isZero();
        assertThat(counter(trainOnly, IntentTrainingOperator.SCORED_ONLY_EVENTS_ACCUMULATOR)).isZero();
        DoubleCounter ndcg = (DoubleCounter) operator(trainOnly).getRuntimeContext()
                .<Double, Double>getAccumulator(IntentTrainingOperator.PREQUENTIAL_NDCG_SUM_ACCUMULATOR);
        assertThat(ndcg.getLocalValue()).isZero();

        // Same steps on the same pairs, so the same model, bit for bit.
        assertThat(counter(trainOnly, IntentTrainingOperator.TRAIN_STEPS_ACCUMULATOR))
                .isEqualTo(counter(scoring, IntentTrainingOperator.TRAIN_STEPS_ACCUMULATOR))
                .isEqualTo(10);
        assertThat(counter(trainOnly, IntentTrainingOperator.TRAINED_EVENTS_ACCUMULATOR))
                .isEqualTo(counter(scoring, IntentTrainingOperator.TRAINED_EVENTS_ACCUMULATOR))
                .isPositive();
        assertThat(counter(trainOnly, IntentTrainingOperator.FINAL_MODEL_VERSION_ACCUMULATOR)).isEqualTo(10);
        assertThat(counter(trainOnly, IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR))
                .isEqualTo(counter(scoring, IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR));
    }
}
