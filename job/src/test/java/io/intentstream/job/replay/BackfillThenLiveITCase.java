package io.intentstream.job.replay;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.IntentStreamJob;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.demo.InputTopicWriter;
import io.intentstream.job.demo.InteractionEvent;
import io.intentstream.job.demo.OutputTopicReader;
import io.intentstream.job.embedded.EmbeddedKafkaBroker;
import io.intentstream.job.sink.KafkaSinks;
import io.intentstream.job.source.InteractionRecord;

import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Backfill then live in one job (a HybridSource): every event is answered exactly once, also those written at
 * the switch, and the model carries over (live outputs continue the backfill's model versions).
 */
class BackfillThenLiveITCase {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(1)
                    .build());

    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    /** Every output seen, by event id: how often, and the model version of each answer. */
    private static final class Seen implements OutputTopicReader.Listener {
        final Map<String, Integer> intents = new ConcurrentHashMap<>();
        final Map<String, Integer> recommendations = new ConcurrentHashMap<>();
        final Map<String, Long> versions = new ConcurrentHashMap<>();
        final Map<String, Integer> deadLetters = new ConcurrentHashMap<>();

        @Override
        public void onIntent(IntentAssignment intent, ConsumerRecord<String, byte[]> record) {
            intents.merge(intent.getEventId(), 1, Integer::sum);
            versions.put(intent.getEventId(), intent.getModelVersion());
        }

        @Override
        public void onRecommendation(Recommendation recommendation, ConsumerRecord<String, byte[]> record) {
            recommendations.merge(recommendation.getEventId(), 1, Integer::sum);
        }

        @Override
        public void onDeadLetter(DeadLetter deadLetter, ConsumerRecord<String, byte[]> record) {
            deadLetters.merge(deadLetter.getReason(), 1, Integer::sum);
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void kafkaBackfillUpToExplicitOffsetsThenLiveFromThemAnswersEveryEventOnce(@TempDir Path dir) throws Exception {
        Configuration options = options("kafka");
        List<InteractionEvent> events = events(dir);
        String input = options.get(IntentStreamOptions.INPUT_TOPIC);
        broker.createTopics(List.of(input), 2);
        List<InteractionEvent> backfill = events.subList(0, 150);
        List<InteractionEvent> atSwitch = events.subList(150, 220);
        List<InteractionEvent> live = events.subList(220, events.size());

        InputTopicWriter.write(broker.bootstrapServers(), input, backfill, 0);
        Map<Integer, Long> switchOffsets = endOffsets(input);
        // Written before the job starts, after the switch offsets: the backfill must stop before them and the
        // live part must read them, once.
        InputTopicWriter.write(broker.bootstrapServers(), input, atSwitch, 0);
        KafkaPosition.AtOffsets at = new KafkaPosition.AtOffsets(switchOffsets);
        Source<InteractionRecord, ?, ?> source = ReplaySources.backfillThenLive(
                ReplaySources.kafkaRange(options, new KafkaPosition.Earliest(), at),
                ReplaySources.kafkaLive(options, at));

        Seen seen = runUntilAnswered(options, source, dir, events, () ->
                InputTopicWriter.write(broker.bootstrapServers(), input, live, 0));

        assertEveryEventAnsweredOnce(seen, events);
        assertModelCarriedOver(seen, backfill, events.subList(150, events.size()));
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void fileBackfillThenTheLiveTopicAnswersEveryEventOnceAndContinuesTheModel(@TempDir Path dir) throws Exception {
        Configuration options = options("file");
        Path benchmark = SyntheticBenchmark.write(dir.resolve("bench.txt"), 40, 60, 11);
        List<InteractionEvent> fileEvents = BenchmarkInterleaving.read(benchmark, Integer.MAX_VALUE, 8);
        String input = options.get(IntentStreamOptions.INPUT_TOPIC);
        broker.createTopics(List.of(input), 2);
        // Live traffic of the same users after the file's period, with ids of its own.
        List<InteractionEvent> live = fileEvents.subList(0, 120).stream()
                .map(e -> new InteractionEvent("live-" + e.eventId(), e.userId(), e.itemId(),
                        e.eventTimeMillis() + 86_400_000L))
                .toList();
        InputTopicWriter.write(broker.bootstrapServers(), input, live.subList(0, 60), 0);
        Source<InteractionRecord, ?, ?> source = ReplaySources.backfillThenLive(
                ReplaySources.file(benchmark, 8, 0),
                ReplaySources.kafkaLive(options, new KafkaPosition.Earliest()));

        List<InteractionEvent> all = new java.util.ArrayList<>(fileEvents);
        all.addAll(live);
        Seen seen = runUntilAnswered(options, source, dir, all, () ->
                InputTopicWriter.write(broker.bootstrapServers(), input, live.subList(60, live.size()), 0));

        assertEveryEventAnsweredOnce(seen, all);
        assertModelCarriedOver(seen, fileEvents, live);
    }

    private static Configuration options(String name) {
        Configuration options = SyntheticBenchmark.tinyJobOptions();
        options.set(IntentStreamOptions.BOOTSTRAP_SERVERS, broker.bootstrapServers());
        options.set(IntentStreamOptions.ITEM_CAPACITY, 64);
        // Live traffic is sparse: flush partial batches quickly.
        options.set(IntentStreamOptions.MAX_BATCH_WAIT, Duration.ofMillis(200));
        String run = name + "-" + UUID.randomUUID();
        options.set(IntentStreamOptions.INPUT_TOPIC, "interactions-" + run);
        options.set(IntentStreamOptions.INTENTS_TOPIC, "intents-" + run);
        options.set(IntentStreamOptions.RECOMMENDATIONS_TOPIC, "recommendations-" + run);
        options.set(IntentStreamOptions.DEAD_LETTER_TOPIC, "dead-letters-" + run);
        options.set(IntentStreamOptions.TRANSACTIONAL_ID_PREFIX, "backfill-" + run);
        options.set(IntentStreamOptions.CONSUMER_GROUP, "backfill-" + run);
        return options;
    }

    private static List<InteractionEvent> events(Path dir) throws Exception {
        Path benchmark = SyntheticBenchmark.write(dir.resolve("events.txt"), 40, 60, 17);
        return BenchmarkInterleaving.read(benchmark, 300, 8);
    }

    /**
     * Runs the job, calls {@code duringLive} once the first part is answered, waits until every event is
     * answered and two more checkpoints have committed (a duplicate would show by then), then cancels.
     */
    private static Seen runUntilAnswered(Configuration options, Source<InteractionRecord, ?, ?> source, Path dir,
            List<InteractionEvent> expected, Runnable duringLive) throws Exception {
        OutputTopicReader.Topics topics = new OutputTopicReader.Topics(options.get(IntentStreamOptions.INTENTS_TOPIC),
                options.get(IntentStreamOptions.RECOMMENDATIONS_TOPIC),
                options.get(IntentStreamOptions.DEAD_LETTER_TOPIC));
        broker.createTopics(List.of(topics.intents(), topics.recommendations(), topics.deadLetters()), 1);
        Seen seen = new Seen();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                IntentStreamJob.localClusterConfiguration(options, Files.createDirectories(dir.resolve("cp"))));
        env.setParallelism(1);
        new IntentStreamJob(options, source, KafkaSinks.intents(options), KafkaSinks.recommendations(options),
                KafkaSinks.deadLetters(options)).build(env);
        try (OutputTopicReader reader = OutputTopicReader.start(broker.bootstrapServers(), topics, seen)) {
            JobClient job = env.executeAsync("backfill-then-live");
            try {
                int firstPart = expected.size() / 2;
                awaitTrue(() -> seen.intents.size() >= firstPart, reader, job);
                duringLive.run();
                awaitTrue(() -> seen.intents.size() >= expected.size()
                        && seen.recommendations.size() >= expected.size(), reader, job);
                Thread.sleep(2 * options.get(IntentStreamOptions.CHECKPOINT_INTERVAL).toMillis() + 500);
                assertThat(reader.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
            } finally {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        }
        return seen;
    }

    private static void awaitTrue(BooleanSupplier condition, OutputTopicReader reader, JobClient job)
            throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            reader.rethrowFailure();
            if (job.getJobExecutionResult().isDone()) {
                job.getJobExecutionResult().get(); // rethrows the failure of a failed job
                throw new AssertionError("the live job finished by itself");
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("outputs did not arrive within " + WAIT);
            }
            Thread.sleep(100);
        }
    }

    private static void assertEveryEventAnsweredOnce(Seen seen, List<InteractionEvent> events) {
        Set<String> ids = events.stream().map(InteractionEvent::eventId).collect(Collectors.toSet());
        assertThat(ids).hasSize(events.size());
        assertThat(seen.intents.keySet()).isEqualTo(ids);
        assertThat(seen.recommendations.keySet()).isEqualTo(ids);
        assertThat(seen.intents.values()).allMatch(count -> count == 1);
        assertThat(seen.recommendations.values()).allMatch(count -> count == 1);
        assertThat(seen.deadLetters).isEmpty();
    }

    /** The live part trains on the backfill's model: its versions start where the backfill's ended. */
    private static void assertModelCarriedOver(Seen seen, List<InteractionEvent> backfill,
            List<InteractionEvent> live) {
        long lastBackfill = backfill.stream().mapToLong(e -> seen.versions.get(e.eventId())).max().orElseThrow();
        long firstLive = live.stream().mapToLong(e -> seen.versions.get(e.eventId())).min().orElseThrow();
        assertThat(lastBackfill).isGreaterThan(2);
        assertThat(firstLive).isGreaterThanOrEqualTo(lastBackfill);
    }

    private static Map<Integer, Long> endOffsets(String topic) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<Integer, Long> offsets = new TreeMap<>();
            consumer.endOffsets(partitions).forEach((tp, offset) -> offsets.put(tp.partition(), offset));
            assertThat(offsets.values()).allMatch(offset -> offset > 0); // both partitions hold backfill events
            return offsets;
        }
    }
}
