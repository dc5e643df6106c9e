package io.intentstream.e2e;

import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.IntentStreamJob;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.demo.InputTopicWriter;
import io.intentstream.job.demo.InteractionEvent;
import io.intentstream.job.demo.OutputTopicReader;
import io.intentstream.job.demo.PlantedIntentStream;
import io.intentstream.job.embedded.EmbeddedKafkaBroker;
import io.intentstream.job.embedded.TemporaryDirectory;
import io.intentstream.job.replay.SavepointStop;
import io.intentstream.job.training.IntentTrainingOperator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An upgrade through a savepoint: the job runs, is stopped with a savepoint part-way through its input, and a new
 * job with the same operator ids and a changed non-model setting (top-N) starts from that savepoint and finishes
 * the input. Compared with one uninterrupted run over the same input: the same model at the end (checksum), the
 * same intent for every event, the same item count. That can only hold if user sequences, the model with its
 * optimiser state, the item index and the unfinished batch all came through the savepoint.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SavepointUpgradeITCase {

    private static final Logger LOG = LoggerFactory.getLogger(SavepointUpgradeITCase.class);

    private static final int EVENTS = 3_000;
    private static final int BATCH = 64;
    private static final Duration WAIT = Duration.ofMinutes(2);

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void stateSurvivesStopWithSavepointAndARestartWithAChangedSetting() throws Exception {
        EmbeddedKafkaBroker broker = KAFKA.broker();
        List<InteractionEvent> events = PlantedIntentStream.generate(
                PlantedIntentStream.Parameters.of(120, 4, 20, EVENTS, 5)).events();
        KafkaJobRun.Topics uninterrupted = KafkaJobRun.Topics.fresh("savepoint-reference");
        broker.createTopics(List.of(uninterrupted.input()), 1);
        InputTopicWriter.write(broker.bootstrapServers(), uninterrupted.input(), events, 0);
        Set<String> ids = events.stream().map(InteractionEvent::eventId).collect(Collectors.toSet());

        KafkaJobRun.Result reference;
        try (TemporaryDirectory work = TemporaryDirectory.create("intent-stream-savepoint-reference-")) {
            reference = KafkaJobRun.run(broker, uninterrupted, KafkaJobRun.options(broker, uninterrupted),
                    work.path(), outputs -> {});
        }

        KafkaJobRun.Topics upgraded = uninterrupted.withFreshOutputs("savepoint-upgraded");
        broker.createTopics(upgraded.outputs(), 1);
        RecordingListener outputs = new RecordingListener();
        JobExecutionResult second;
        String savepoint;
        long versionAtSavepoint;
        try (TemporaryDirectory work = TemporaryDirectory.create("intent-stream-savepoint-");
                OutputTopicReader reader = OutputTopicReader.start(broker.bootstrapServers(), upgraded.forReader(),
                        outputs)) {
            Configuration first = unbounded(KafkaJobRun.options(broker, upgraded));
            JobClient firstJob = start(first, work.path(), null);
            await(() -> outputs.intents().size() >= EVENTS / 3, "a third of the events answered", firstJob);
            savepoint = SavepointStop.stop(firstJob, false, work.path(), WAIT);
            firstJob.getJobExecutionResult().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(reader.awaitCaughtUp(KafkaJobRun.READ_TIMEOUT)).isTrue();
            int answeredBefore = outputs.intents().size();
            versionAtSavepoint = outputs.intents().stream().mapToLong(IntentAssignment::getModelVersion).max()
                    .orElseThrow();
            assertThat(answeredBefore).as("stopped part-way").isLessThan(EVENTS);

            // The upgrade: same uids, a different top-N (not a model setting).
            Configuration next = new Configuration(first);
            next.set(IntentStreamOptions.TOP_N, 3);
            JobClient secondJob = start(next, work.path(), savepoint);
            // All but the last, unfinished batch (which only the end of the input flushes) answered and committed.
            await(() -> outputs.intents().size() >= EVENTS - BATCH + 1, "all full batches answered", secondJob);
            SavepointStop.stop(secondJob, true, work.path(), WAIT);
            second = secondJob.getJobExecutionResult().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(reader.awaitCaughtUp(KafkaJobRun.READ_TIMEOUT)).isTrue();
            reader.rethrowFailure();
            LOG.info("Savepoint {}: first job answered {} events up to model version {}", savepoint, answeredBefore,
                    versionAtSavepoint);
        }

        Map<String, Long> counts = outputs.intents().stream()
                .collect(Collectors.groupingBy(IntentAssignment::getEventId, Collectors.counting()));
        KafkaJobRun.assertExactlyOnce(counts, ids, "intents (both jobs)");
        KafkaJobRun.assertExactlyOnce(outputs.recommendations().stream()
                .collect(Collectors.groupingBy(Recommendation::getEventId, Collectors.counting())), ids,
                "recommendations (both jobs)");
        assertThat(outputs.recommendations().stream().filter(r -> r.getModelVersion() > versionAtSavepoint))
                .as("the new job's recommendations follow its new top-N").isNotEmpty()
                .allSatisfy(r -> assertThat(r.getItems()).hasSizeLessThanOrEqualTo(3));

        Long checkpointed = second.getAccumulatorResult(IntentTrainingOperator.CHECKPOINTED_MODEL_CHECKSUM_ACCUMULATOR);
        assertThat((Long) second.getAccumulatorResult(IntentTrainingOperator.RESTORED_MODEL_CHECKSUM_ACCUMULATOR))
                .as("model restored from the savepoint as saved").isNotNull().isEqualTo(checkpointed);
        assertThat((Long) second.getAccumulatorResult(IntentTrainingOperator.FINAL_ITEM_COUNT_ACCUMULATOR))
                .as("item index").isEqualTo(reference.accumulator(IntentTrainingOperator.FINAL_ITEM_COUNT_ACCUMULATOR));
        assertThat((Long) second.getAccumulatorResult(IntentTrainingOperator.FINAL_MODEL_VERSION_ACCUMULATOR))
                .isEqualTo(reference.finalVersion());
        assertThat((Long) second.getAccumulatorResult(IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR))
                .as("the upgraded job ends with the uninterrupted run's model").isEqualTo(reference.finalChecksum());
        assertThat(KafkaJobRun.intentByEvent(outputs.intents())).as("every event got the intent of the uninterrupted run")
                .isEqualTo(KafkaJobRun.intentByEvent(reference.outputs().intents()));
    }

    private static Configuration unbounded(Configuration options) {
        Configuration unbounded = new Configuration(options);
        unbounded.set(IntentStreamOptions.BOUNDED, false);
        return unbounded;
    }

    private static JobClient start(Configuration options, Path work, String savepoint) throws Exception {
        StreamExecutionEnvironment env = KafkaJobRun.environment(options, work, 1, savepoint);
        IntentStreamJob.fromConfiguration(options).build(env);
        return env.executeAsync("intent-stream savepoint " + (savepoint == null ? "first" : "upgraded"));
    }

    private static void await(BooleanSupplier condition, String what, JobClient job) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (job.getJobExecutionResult().isDone()) {
                job.getJobExecutionResult().get(); // rethrows the job's failure
                throw new AssertionError("The job ended before " + what);
            }
            if (System.nanoTime() > deadline) {
                job.cancel().get(30, TimeUnit.SECONDS);
                throw new AssertionError("Timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
