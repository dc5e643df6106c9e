package io.intentstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.avro.ScoredItem;
import io.intentstream.job.IntentStreamJob;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.config.StartingOffsets;
import io.intentstream.job.demo.InputTopicWriter;
import io.intentstream.job.demo.InteractionEvent;
import io.intentstream.job.demo.OutputTopicReader;
import io.intentstream.job.demo.PlantedIntentStream;
import io.intentstream.job.embedded.EmbeddedKafkaBroker;
import io.intentstream.job.embedded.TemporaryDirectory;

import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The job on a local MiniCluster against a real Kafka broker, read back like a consumer would: every valid input
 * event answered exactly once on both output topics, every malformed one on the dead-letter topic.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class IntentStreamEndToEndITCase {

    private static final int CLUSTERS = 4;
    private static final int MAX_SEQUENCE_LENGTH = 50;
    private static final int TOP_N = 10;
    private static final int MALFORMED = 8;
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(1);

    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void everyValidEventGetsExactlyOneIntentAndOneRecommendationAndEveryMalformedRecordADeadLetter() throws Exception {
        // 200 users share 2000 events, about 10 each: every user stays below T, so "seen within the window"
        // is the user's whole history.
        PlantedIntentStream stream = PlantedIntentStream.generate(
                PlantedIntentStream.Parameters.of(200, CLUSTERS, 20, 2_000, 7));
        List<InteractionEvent> events = stream.events();
        Map<String, Long> eventsPerUser = events.stream()
                .collect(Collectors.groupingBy(InteractionEvent::userId, Collectors.counting()));
        assertThat(eventsPerUser.values()).allSatisfy(n -> assertThat(n).isLessThan(MAX_SEQUENCE_LENGTH));

        Topics topics = Topics.fresh("e2e");
        broker.createTopics(topics.all(), 2);
        InputTopicWriter.WrittenInput written =
                InputTopicWriter.write(broker.bootstrapServers(), topics.input, events, MALFORMED);

        RecordingListener outputs = new RecordingListener();
        try (TemporaryDirectory work = TemporaryDirectory.create("intent-stream-e2e-");
                OutputTopicReader reader = OutputTopicReader.start(broker.bootstrapServers(),
                        new OutputTopicReader.Topics(topics.intents, topics.recommendations, topics.deadLetters),
                        outputs)) {
            Configuration options = smallJobOptions(topics);
            Configuration flink = IntentStreamJob.localClusterConfiguration(options, work.path().resolve("checkpoints"));
            flink.set(CoreOptions.TMP_DIRS, work.path().resolve("tmp").toString());
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, flink);
            IntentStreamJob.fromConfiguration(options).build(env);
            JobClient job = env.executeAsync("intent-stream e2e");
            try {
                job.getJobExecutionResult().get(JOB_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                if (!job.getJobExecutionResult().isDone()) {
                    job.cancel().get(30, TimeUnit.SECONDS);
                }
            }
            assertThat(reader.awaitCaughtUp(READ_TIMEOUT)).as("output topics read to their end").isTrue();
            reader.rethrowFailure();
            assertThat(reader.undecodable()).as("output records that are not their topic's Avro type").isZero();
        }

        Map<String, InteractionEvent> inputById = events.stream()
                .collect(Collectors.toMap(InteractionEvent::eventId, Function.identity()));
        assertIntents(outputs.intents(), inputById);
        assertRecommendations(outputs.recommendations(), inputById);
        assertDeadLetters(outputs.deadLetters(), written, topics.input);
    }

    private static void assertIntents(List<IntentAssignment> intents, Map<String, InteractionEvent> inputById) {
        assertExactlyOncePerEvent(intents.stream().map(IntentAssignment::getEventId).toList(), inputById.keySet());
        for (IntentAssignment intent : intents) {
            InteractionEvent input = inputById.get(intent.getEventId());
            assertThat(intent.getUserId()).as("user of %s", intent.getEventId()).isEqualTo(input.userId());
            assertThat(intent.getEventTime().toEpochMilli()).isEqualTo(input.eventTimeMillis());
            assertThat(intent.getClusterId()).isBetween(0, CLUSTERS - 1);
            assertThat(intent.getRunnerUpClusterId()).isBetween(0, CLUSTERS - 1)
                    .isNotEqualTo(intent.getClusterId());
            assertThat(intent.getClusterDistance()).isBetween(0f, 4.0001f)
                    .isLessThanOrEqualTo(intent.getRunnerUpDistance());
            assertThat(intent.getModelVersion()).isNotNegative();
        }
        // A user's outputs come from a model that only moves forward.
        Map<String, List<IntentAssignment>> byUser = intents.stream()
                .collect(Collectors.groupingBy(IntentAssignment::getUserId));
        byUser.values().forEach(list -> {
            List<Long> versions = list.stream()
                    .sorted(Comparator.comparing(IntentAssignment::getEventTime))
                    .map(IntentAssignment::getModelVersion)
                    .toList();
            assertThat(versions).isSorted();
        });
    }

    private static void assertRecommendations(List<Recommendation> recommendations,
            Map<String, InteractionEvent> inputById) {
        assertExactlyOncePerEvent(
                recommendations.stream().map(Recommendation::getEventId).toList(), inputById.keySet());
        // Items each user has seen up to and including each event (users have fewer than T events).
        Map<String, List<InteractionEvent>> historyByUser = inputById.values().stream()
                .sorted(Comparator.comparingLong(InteractionEvent::eventTimeMillis))
                .collect(Collectors.groupingBy(InteractionEvent::userId));
        for (Recommendation recommendation : recommendations) {
            InteractionEvent input = inputById.get(recommendation.getEventId());
            assertThat(recommendation.getUserId()).isEqualTo(input.userId());
            assertThat(recommendation.getEventTime().toEpochMilli()).isEqualTo(input.eventTimeMillis());
            List<String> items = recommendation.getItems().stream().map(ScoredItem::getItemId).toList();
            assertThat(items).as("items of %s", recommendation.getEventId())
                    .isNotEmpty().hasSizeLessThanOrEqualTo(TOP_N).doesNotHaveDuplicates();
            Set<String> seen = historyByUser.get(input.userId()).stream()
                    .filter(e -> e.eventTimeMillis() <= input.eventTimeMillis())
                    .map(InteractionEvent::itemId)
                    .collect(Collectors.toSet());
            assertThat(items).as("recommended to %s after %s, already seen: %s", input.userId(), input.eventId(), seen)
                    .doesNotContainAnyElementsOf(seen);
            List<Float> scores = recommendation.getItems().stream().map(ScoredItem::getScore).toList();
            assertThat(scores).as("ranked best first").isSortedAccordingTo(Comparator.reverseOrder());
        }
    }

    private static void assertDeadLetters(List<DeadLetter> deadLetters, InputTopicWriter.WrittenInput written,
            String inputTopic) {
        assertThat(deadLetters).hasSize(written.malformed().size());
        Map<String, InputTopicWriter.MalformedRecord> expected = new HashMap<>();
        written.malformed().forEach(m -> expected.put(m.partition() + "@" + m.offset(), m));
        Set<String> matched = new HashSet<>();
        for (DeadLetter deadLetter : deadLetters) {
            assertThat(deadLetter.getSourceTopic()).isEqualTo(inputTopic);
            String position = deadLetter.getSourcePartition() + "@" + deadLetter.getSourceOffset();
            InputTopicWriter.MalformedRecord malformed = expected.get(position);
            assertThat(malformed).as("dead letter at %s matches an injected record", position).isNotNull();
            assertThat(matched.add(position)).as("one dead letter per record").isTrue();
            assertThat(deadLetter.getReason()).startsWith(malformed.kind().undecodable() ? "UNDECODABLE" : "INVALID");
            assertThat(deadLetter.getPayload().remaining() == 0)
                    .as("payload of an %s record is empty", malformed.kind())
                    .isEqualTo(malformed.kind() == InputTopicWriter.MalformedKind.EMPTY);
        }
    }

    private static void assertExactlyOncePerEvent(List<String> outputEventIds, Set<String> inputEventIds) {
        Map<String, Long> counts = outputEventIds.stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        Set<String> missing = new HashSet<>(inputEventIds);
        missing.removeAll(counts.keySet());
        assertThat(missing).as("input events without output (%d of %d)", missing.size(), inputEventIds.size())
                .isEmpty();
        assertThat(counts.keySet()).as("outputs for events that were never sent").isSubsetOf(inputEventIds);
        assertThat(counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList())
                .as("events answered more than once").isEmpty();
    }

    private static Configuration smallJobOptions(Topics topics) {
        Configuration options = new Configuration();
        options.set(IntentStreamOptions.BOOTSTRAP_SERVERS, broker.bootstrapServers());
        options.set(IntentStreamOptions.INPUT_TOPIC, topics.input);
        options.set(IntentStreamOptions.INTENTS_TOPIC, topics.intents);
        options.set(IntentStreamOptions.RECOMMENDATIONS_TOPIC, topics.recommendations);
        options.set(IntentStreamOptions.DEAD_LETTER_TOPIC, topics.deadLetters);
        options.set(IntentStreamOptions.CONSUMER_GROUP, "group-" + topics.input);
        options.set(IntentStreamOptions.TRANSACTIONAL_ID_PREFIX, "tx-" + topics.input);
        options.set(IntentStreamOptions.BOUNDED, true);
        options.set(IntentStreamOptions.STARTING_OFFSETS, StartingOffsets.EARLIEST);
        options.set(IntentStreamOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(1));
        options.set(IntentStreamOptions.MAX_SEQUENCE_LENGTH, MAX_SEQUENCE_LENGTH);
        options.set(IntentStreamOptions.CLUSTERS, CLUSTERS);
        options.set(IntentStreamOptions.HIDDEN_SIZE, 16);
        options.set(IntentStreamOptions.BATCH_SIZE, 128);
        options.set(IntentStreamOptions.CENTRE_WARM_UP, 128);
        options.set(IntentStreamOptions.ITEM_CAPACITY, 256);
        options.set(IntentStreamOptions.TOP_N, TOP_N);
        return options;
    }

    /** Topic names unique to one test, so no test reads another's records. */
    private record Topics(String input, String intents, String recommendations, String deadLetters) {
        static Topics fresh(String prefix) {
            String run = prefix + "-" + System.nanoTime();
            return new Topics(run + "-interactions", run + "-intents", run + "-recommendations",
                    run + "-dead-letters");
        }

        List<String> all() {
            return List.of(input, intents, recommendations, deadLetters);
        }
    }
}
