package io.intentstream.job.training;

import static io.intentstream.job.training.TinyTrainingModel.BATCH;
import static io.intentstream.job.training.TinyTrainingModel.T;
import static io.intentstream.job.training.TinyTrainingModel.TOP_N;
import static io.intentstream.job.training.TinyTrainingModel.WARM_UP;
import static org.assertj.core.api.Assertions.assertThat;

import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.history.SequenceEvent;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * training.answer-before-step: each batch is answered with the model before its step, the answers reach the
 * output before the step runs, and the model ends bit for bit where training first would have left it. Tiny real
 * model ({@link TinyTrainingModel}).
 */
class AnswerBeforeStepTest {

    @Test
    void answersComeFromTheModelBeforeTheStepAndTheModelEndsAsWhenTrainingFirst() {
        List<SequenceEvent> events = new UserWindowStream(21, 5, T).events(6 * BATCH, 0, 30);
        try (OnlineTrainer trainFirst = OnlineTrainer.create(TinyTrainingModel.config(), WARM_UP);
                OnlineTrainer answerFirst = OnlineTrainer.create(TinyTrainingModel.config(), WARM_UP)) {
            int trainedBatches = 0;
            for (int from = 0; from < events.size(); from += BATCH) {
                List<SequenceEvent> batch = events.subList(from, from + BATCH);
                long versionBefore = answerFirst.modelVersion();
                List<OnlineTrainer.Answers> handedOut = new ArrayList<>();
                List<Long> versionWhenHandedOut = new ArrayList<>();
                OnlineTrainer.BatchOutcome early = answerFirst.answerThenTrain(batch, TOP_N, Instant.EPOCH,
                        EventSample.training(1.0), answers -> {
                            handedOut.add(answers);
                            versionWhenHandedOut.add(answerFirst.modelVersion());
                        });
                OnlineTrainer.BatchOutcome late = trainFirst.process(batch, TOP_N, Instant.EPOCH);

                // Handed out once, before the step, and they are the outcome's answers.
                assertThat(handedOut).hasSize(1);
                assertThat(versionWhenHandedOut).containsExactly(versionBefore);
                assertThat(handedOut.get(0).intents()).isEqualTo(early.intents()).hasSize(BATCH);
                assertThat(handedOut.get(0).recommendations()).isEqualTo(early.recommendations());
                assertThat(early.intents()).extracting(IntentAssignment::getModelVersion).containsOnly(versionBefore);
                assertThat(early.recommendations()).extracting(Recommendation::getModelVersion)
                        .containsOnly(versionBefore);
                assertThat(early.trained()).isEqualTo(late.trained());
                if (late.trained()) {
                    trainedBatches++;
                    assertThat(late.intents()).extracting(IntentAssignment::getModelVersion)
                            .containsOnly(versionBefore + 1);
                }
                // The same steps on the same events: the models stay identical.
                assertThat(answerFirst.checksum()).isEqualTo(trainFirst.checksum());
                assertThat(answerFirst.modelVersion()).isEqualTo(trainFirst.modelVersion());
            }
            assertThat(trainedBatches).isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void theOperatorEmitsEveryEventOnceWithThePreStepModelVersion() throws Exception {
        List<SequenceEvent> events = new UserWindowStream(22, 5, T).events(3 * BATCH, 0, 30);
        IntentTrainingOperator operator = new IntentTrainingOperator(TinyTrainingModel.config(), BATCH, Duration.ofMinutes(10),
                Duration.ofDays(1), TOP_N, WARM_UP).withAnswerBeforeStep(true);
        try (var harness = new OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment>(operator)) {
            harness.setup();
            harness.open();
            for (SequenceEvent event : events) {
                harness.processElement(new StreamRecord<>(event, event.eventTime));
            }
            List<IntentAssignment> intents = harness.extractOutputValues();
            assertThat(intents).extracting(IntentAssignment::getEventId)
                    .containsExactlyElementsOf(events.stream().map(e -> e.eventId).toList());
            assertThat(harness.getSideOutput(IntentTrainingOperator.RECOMMENDATIONS)).hasSize(events.size());
            // The first batch is answered by the untrained model (version 0), each later one by the model the
            // batches before it trained.
            for (int b = 0; b < 3; b++) {
                assertThat(intents.subList(b * BATCH, (b + 1) * BATCH))
                        .extracting(IntentAssignment::getModelVersion).containsOnly((long) b);
            }
        }
    }
}
