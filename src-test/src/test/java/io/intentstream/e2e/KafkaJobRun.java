package io.intentstream.e2e;

import io.intentstream.avro.IntentAssignment;
import io.intentstream.job.IntentStreamJob;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.config.StartingOffsets;
import io.intentstream.job.demo.OutputTopicReader;
import io.intentstream.job.embedded.EmbeddedKafkaBroker;
import io.intentstream.job.training.IntentTrainingOperator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One bounded run of the real job (Kafka source and exactly-once Kafka sinks) on a local MiniCluster against the
 * embedded broker, with its outputs drained by a read_committed consumer: what the fault-tolerance tests compare.
 */
final class KafkaJobRun {

    static final Duration JOB_TIMEOUT = Duration.ofMinutes(2);
    static final Duration READ_TIMEOUT = Duration.ofMinutes(1);

    /** Topic names unique to one run, so no run reads another's records. */
    record Topics(String input, String intents, String recommendations, String deadLetters) {
        static Topics fresh(String prefix) {
            String run = prefix + "-" + System.nanoTime();
            return new Topics(run + "-interactions", run + "-intents", run + "-recommendations",
                    run + "-dead-letters");
        }

        /** New output topics reading the same input. */
        Topics withFreshOutputs(String prefix) {
            Topics outputs = fresh(prefix);
            return new Topics(input, outputs.intents, outputs.recommendations, outputs.deadLetters);
        }

        List<String> outputs() {
            return List.of(intents, recommendations, deadLetters);
        }

        OutputTopicReader.Topics forReader() {
            return new OutputTopicReader.Topics(intents, recommendations, deadLetters);
        }
    }

    /** What a run produced: the drained outputs and the job's accumulators. */
    record Result(RecordingListener outputs, JobExecutionResult job) {
        Long accumulator(String name) {
            return job.getAccumulatorResult(name);
        }

        long finalChecksum() {
            return accumulator(IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR);
        }

        long finalVersion() {
            return accumulator(IntentTrainingOperator.FINAL_MODEL_VERSION_ACCUMULATOR);
        }

        Map<String, Long> intentCounts() {
            return outputs.intents().stream()
                    .collect(Collectors.groupingBy(IntentAssignment::getEventId, Collectors.counting()));
        }

        Map<String, Long> recommendationCounts() {
            return outputs.recommendations().stream()
                    .collect(Collectors.groupingBy(r -> r.getEventId(), Collectors.counting()));
        }
    }

    private KafkaJobRun() {}

    /** Small-model job options for {@code topics}, reading the input from its start to its current end. */
    static Configuration options(EmbeddedKafkaBroker broker, Topics topics) {
        Configuration options = new Configuration();
        options.set(IntentStreamOptions.BOOTSTRAP_SERVERS, broker.bootstrapServers());
        options.set(IntentStreamOptions.INPUT_TOPIC, topics.input());
        options.set(IntentStreamOptions.INTENTS_TOPIC, topics.intents());
        options.set(IntentStreamOptions.RECOMMENDATIONS_TOPIC, topics.recommendations());
        options.set(IntentStreamOptions.DEAD_LETTER_TOPIC, topics.deadLetters());
        options.set(IntentStreamOptions.CONSUMER_GROUP, "group-" + topics.intents());
        // One prefix per run: a second run with the first one's prefix would fence (or be fenced by) its
        // lingering transactions.
        options.set(IntentStreamOptions.TRANSACTIONAL_ID_PREFIX, "tx-" + topics.intents());
        options.set(IntentStreamOptions.BOUNDED, true);
        options.set(IntentStreamOptions.STARTING_OFFSETS, StartingOffsets.EARLIEST);
        options.set(IntentStreamOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(300));
        options.set(IntentStreamOptions.MAX_SEQUENCE_LENGTH, 10);
        options.set(IntentStreamOptions.CLUSTERS, 4);
        options.set(IntentStreamOptions.HIDDEN_SIZE, 16);
        options.set(IntentStreamOptions.LAYERS, 1);
        options.set(IntentStreamOptions.BATCH_SIZE, 64);
        options.set(IntentStreamOptions.CENTRE_WARM_UP, 256);
        options.set(IntentStreamOptions.ITEM_CAPACITY, 128);
        options.set(IntentStreamOptions.TOP_N, 5);
        // Batches are cut by count and event-time span only: the wall-clock wait must not fire, or the runs
        // would not be comparable (see IntentTrainingOperator on determinism).
        options.set(IntentStreamOptions.MAX_BATCH_WAIT, Duration.ofHours(1));
        options.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        options.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 5);
        options.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        return options;
    }

    /**
     * Runs the job at parallelism 1 until its bounded input ends and drains its output topics.
     *
     * @param attach adds test operators (a failure injector) to the job's outputs
     */
    static Result run(EmbeddedKafkaBroker broker, Topics topics, Configuration options, Path workDirectory,
            Consumer<IntentStreamJob.Outputs> attach) throws Exception {
        return run(broker, topics, options, workDirectory, 1, attach);
    }

    /**
     * Runs the job at {@code parallelism}, with as many partitions per output topic, until its bounded input ends
     * and drains its output topics.
     *
     * @param attach adds test operators (a failure injector) to the job's outputs
     */
    static Result run(EmbeddedKafkaBroker broker, Topics topics, Configuration options, Path workDirectory,
            int parallelism, Consumer<IntentStreamJob.Outputs> attach) throws Exception {
        broker.createTopics(topics.outputs(), parallelism);
        RecordingListener outputs = new RecordingListener();
        try (OutputTopicReader reader = OutputTopicReader.start(broker.bootstrapServers(), topics.forReader(),
                outputs)) {
            StreamExecutionEnvironment env = environment(options, workDirectory, parallelism, null);
            attach.accept(IntentStreamJob.fromConfiguration(options).build(env));
            JobClient job = env.executeAsync("intent-stream " + topics.intents());
            JobExecutionResult result;
            try {
                result = job.getJobExecutionResult().get(JOB_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                if (!job.getJobExecutionResult().isDone()) {
                    job.cancel().get(30, TimeUnit.SECONDS);
                }
            }
            assertThat(reader.awaitCaughtUp(READ_TIMEOUT)).as("output topics read to their end").isTrue();
            reader.rethrowFailure();
            assertThat(reader.undecodable()).as("output records that are not their topic's Avro type").isZero();
            return new Result(outputs, result);
        }
    }

    /**
     * A local MiniCluster environment for the job, its checkpoints and temporary files under {@code workDirectory}.
     *
     * @param savepoint where to start from, or null for a fresh start
     */
    static StreamExecutionEnvironment environment(Configuration options, Path workDirectory, int parallelism,
            String savepoint) {
        Configuration flink = IntentStreamJob.localClusterConfiguration(options, workDirectory.resolve("checkpoints"));
        flink.set(CoreOptions.TMP_DIRS, workDirectory.resolve("tmp").toString());
        if (savepoint != null) {
            flink.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        return StreamExecutionEnvironment.createLocalEnvironment(parallelism, flink);
    }

    /** Event id to (model version, cluster, distance): what must not depend on failures or restarts. */
    static Map<String, String> intentByEvent(List<IntentAssignment> intents) {
        return intents.stream().collect(Collectors.toMap(IntentAssignment::getEventId,
                a -> a.getModelVersion() + "/" + a.getClusterId() + "/" + a.getClusterDistance(),
                (a, b) -> a + "," + b, TreeMap::new));
    }

    /** Every valid event has exactly one output of the kind counted, and no other event has one. */
    static void assertExactlyOnce(Map<String, Long> counts, Set<String> validIds, String what) {
        Set<String> missing = new HashSet<>(validIds);
        missing.removeAll(counts.keySet());
        assertThat(missing).as("valid events without %s (%d of %d)", what, missing.size(), validIds.size()).isEmpty();
        assertThat(counts.keySet()).as("%s for events never sent", what).isSubsetOf(validIds);
        assertThat(counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList())
                .as("events with more than one of %s", what).isEmpty();
    }
}
