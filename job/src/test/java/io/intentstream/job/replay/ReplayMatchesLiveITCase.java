package io.intentstream.job.replay;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Interaction;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.IntentStreamJob;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.demo.InputTopicWriter;
import io.intentstream.job.demo.InteractionEvent;
import io.intentstream.job.embedded.EmbeddedKafkaBroker;
import io.intentstream.job.source.InteractionRecord;
import io.intentstream.job.testing.AvroFileSink;

import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A file replayed through the job gives the same outputs as the same events fed live through Kafka: same intents
 * (cluster, distances, model version) and same recommendations for every event. Parallelism 1 and batches cut by
 * size only, so both runs see the events in the same order and form the same batches.
 */
class ReplayMatchesLiveITCase {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(1)
                    .build());

    /** What an intent says, without the wall-clock emit time. */
    private record IntentContent(String user, long eventTime, long modelVersion, int cluster, float distance,
            int runnerUp, float runnerUpDistance) {
        static IntentContent of(IntentAssignment a) {
            return new IntentContent(a.getUserId(), a.getEventTime().toEpochMilli(), a.getModelVersion(),
                    a.getClusterId(), a.getClusterDistance(), a.getRunnerUpClusterId(), a.getRunnerUpDistance());
        }
    }

    private record RecommendationContent(String user, long modelVersion, List<String> items, List<Float> scores) {
        static RecommendationContent of(Recommendation r) {
            return new RecommendationContent(r.getUserId(), r.getModelVersion(),
                    r.getItems().stream().map(i -> i.getItemId()).toList(),
                    r.getItems().stream().map(i -> i.getScore()).toList());
        }
    }

    private record Outputs(Map<String, IntentContent> intents, Map<String, RecommendationContent> recommendations,
            int deadLetters) {}

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void replayOfABenchmarkFileAndOfAnAvroFileEqualsTheLiveRun(@TempDir Path dir) throws Exception {
        Path benchmark = SyntheticBenchmark.write(dir.resolve("bench.txt"), 40, 60, 11);
        List<InteractionEvent> events = BenchmarkInterleaving.read(benchmark, Integer.MAX_VALUE, 8);
        Path avro = writeAvro(dir.resolve("events.avro"), events);

        Outputs live;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            Configuration options = SyntheticBenchmark.tinyJobOptions();
            options.set(IntentStreamOptions.BOOTSTRAP_SERVERS, broker.bootstrapServers());
            options.set(IntentStreamOptions.ITEM_CAPACITY, 64);
            broker.createTopics(List.of(options.get(IntentStreamOptions.INPUT_TOPIC)), 1);
            InputTopicWriter.write(broker.bootstrapServers(), options.get(IntentStreamOptions.INPUT_TOPIC), events, 0);
            live = run(options, ReplaySources.kafkaRange(options, new KafkaPosition.Earliest(),
                    new KafkaPosition.Latest()), dir.resolve("live"));
        }
        Configuration options = SyntheticBenchmark.tinyJobOptions();
        options.set(IntentStreamOptions.ITEM_CAPACITY, 64);
        Outputs replayed = run(options, ReplaySources.file(benchmark, 8, 0), dir.resolve("benchmark"));
        Outputs replayedAvro = run(options, ReplaySources.file(avro, 8, 0), dir.resolve("avro"));

        Set<String> eventIds = events.stream().map(InteractionEvent::eventId).collect(Collectors.toSet());
        assertThat(live.intents().keySet()).isEqualTo(eventIds);
        assertThat(live.recommendations().keySet()).isEqualTo(eventIds);
        assertThat(live.deadLetters()).isZero();
        // Trained (the model version moves) and not trivially equal (clusters differ between events).
        assertThat(live.intents().values().stream().mapToLong(IntentContent::modelVersion).max().orElseThrow())
                .isGreaterThan(3);
        assertThat(live.intents().values().stream().map(IntentContent::cluster).distinct().count())
                .isGreaterThan(1);

        for (Outputs replay : List.of(replayed, replayedAvro)) {
            assertThat(replay.intents()).isEqualTo(live.intents());
            assertThat(replay.recommendations()).isEqualTo(live.recommendations());
            assertThat(replay.deadLetters()).isZero();
        }
    }

    private static Outputs run(Configuration options, Source<InteractionRecord, ?, ?> source, Path dir)
            throws Exception {
        Path intents = Files.createDirectories(dir.resolve("intents"));
        Path recommendations = Files.createDirectories(dir.resolve("recommendations"));
        Path deadLetters = Files.createDirectories(dir.resolve("dead-letters"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                IntentStreamJob.localClusterConfiguration(options, dir.resolve("checkpoints")));
        env.setParallelism(1);
        new IntentStreamJob(options, source,
                new AvroFileSink<>(intents, IntentAssignment.class),
                new AvroFileSink<>(recommendations, Recommendation.class),
                new AvroFileSink<>(deadLetters, DeadLetter.class))
                .build(env);
        env.execute("replay-vs-live");
        return new Outputs(
                byEventId(AvroFileSink.read(intents, IntentAssignment.class), IntentAssignment::getEventId,
                        IntentContent::of),
                byEventId(AvroFileSink.read(recommendations, Recommendation.class), Recommendation::getEventId,
                        RecommendationContent::of),
                AvroFileSink.read(deadLetters, DeadLetter.class).size());
    }

    private static <T, C> Map<String, C> byEventId(List<T> records, Function<T, String> id, Function<T, C> content) {
        // toMap fails on a duplicate event id, which would be a bug of its own.
        return records.stream().collect(Collectors.toMap(id, content));
    }

    private static Path writeAvro(Path file, List<InteractionEvent> events) throws IOException {
        try (DataFileWriter<Interaction> writer = new DataFileWriter<>(new SpecificDatumWriter<>(Interaction.class))) {
            writer.create(Interaction.getClassSchema(), file.toFile());
            for (InteractionEvent event : events) {
                writer.append(InputTopicWriter.toAvro(event));
            }
        }
        return file;
    }
}
