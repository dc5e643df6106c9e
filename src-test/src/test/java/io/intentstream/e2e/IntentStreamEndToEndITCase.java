package io.intentstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.avro.ScoredItem;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.demo.InputTopicWriter;
import io.intentstream.job.demo.InteractionEvent;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

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
    private static final int PARALLELISM = 2;

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

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

        EmbeddedKafkaBroker broker = KAFKA.broker();
        KafkaJobRun.Topics topics = KafkaJobRun.Topics.fresh("e2e");
        broker.createTopics(List.of(topics.input()), PARALLELISM);
        InputTopicWriter.WrittenInput written =
                InputTopicWriter.write(broker.bootstrapServers(), topics.input(), events, MALFORMED);

        RecordingListener outputs;
        try (TemporaryDirectory work = TemporaryDirectory.create("intent-stream-e2e-")) {
            outputs = KafkaJobRun.run(broker, topics, jobOptions(broker, topics), work.path(), PARALLELISM,
                    job -> {}).outputs();
        }

        Map<String, InteractionEvent> inputById = events.stream()
                .collect(Collectors.toMap(InteractionEvent::eventId, Function.identity()));
        assertIntents(outputs.intents(), inputById);
        assertRecommendations(outputs.recommendations(), inputById);
        assertDeadLetters(outputs.deadLetters(), written, topics.input());
    }

    private static void assertIntents(List<IntentAssignment> intents, Map<String, InteractionEvent> inputById) {
        assertExactlyOncePerEvent(intents.stream().map(IntentAssignment::getEventId).toList(), inputById.keySet(),
                "intents");
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
        assertExactlyOncePerEvent(recommendations.stream().map(Recommendation::getEventId).toList(),
                inputById.keySet(), "recommendations");
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

    private static void assertExactlyOncePerEvent(List<String> outputEventIds, Set<String> inputEventIds,
            String what) {
        KafkaJobRun.assertExactlyOnce(outputEventIds.stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting())), inputEventIds, what);
    }

    /** The shared small exactly-once job, with users shorter than T, two subtasks and ten items per answer. */
    private static Configuration jobOptions(EmbeddedKafkaBroker broker, KafkaJobRun.Topics topics) {
        Configuration options = KafkaJobRun.options(broker, topics);
        options.set(IntentStreamOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(1));
        options.set(IntentStreamOptions.MAX_SEQUENCE_LENGTH, MAX_SEQUENCE_LENGTH);
        options.set(IntentStreamOptions.CLUSTERS, CLUSTERS);
        options.set(IntentStreamOptions.BATCH_SIZE, 128);
        options.set(IntentStreamOptions.CENTRE_WARM_UP, 128);
        options.set(IntentStreamOptions.ITEM_CAPACITY, 256);
        options.set(IntentStreamOptions.TOP_N, TOP_N);
        return options;
    }
}
