package io.intentstream.job.replay;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.IntentStreamJob;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.embedded.EmbeddedKafkaBroker;
import io.intentstream.job.testing.AvroFileSink;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.export.ModelExport;
import io.intentstream.model.export.SnapshotTensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The training operator's model leaves the job: a bounded run exports its final model (atomically, with a
 * manifest) and publishes its centres to a compacted topic; a second run started from that export continues its
 * model versions.
 */
class CentresAndExportITCase {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(1)
                    .build());

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void boundedRunExportsItsModelAndPublishesItsCentresAndASecondRunContinuesFromTheExport(@TempDir Path dir)
            throws Exception {
        Path benchmark = SyntheticBenchmark.write(dir.resolve("bench.txt"), 40, 60, 23);
        Path export = dir.resolve("export");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            Configuration options = SyntheticBenchmark.tinyJobOptions();
            options.set(IntentStreamOptions.BOOTSTRAP_SERVERS, broker.bootstrapServers());
            options.set(IntentStreamOptions.ITEM_CAPACITY, 64);
            options.set(IntentStreamOptions.EXPORT_DIRECTORY, export.toString());
            options.set(IntentStreamOptions.EXPORT_INTERVAL, Duration.ofMillis(1)); // after every batch
            options.set(IntentStreamOptions.EXPORT_RETENTION, 2);
            options.set(IntentStreamOptions.CENTRES_TOPIC, "intent-centres");
            run(options, benchmark, dir.resolve("first"));

            ModelExport.Loaded last = ModelExport.load(export);
            ModelSnapshot model = last.snapshot();
            assertThat(new ModelExport(export, 2).snapshots()).hasSize(2); // one per batch, pruned to 2
            assertThat(last.manifest().producer()).isEqualTo(ModelExporter.PRODUCER);
            assertThat(last.manifest().metrics()).containsKeys("events_in", "train_steps", "loss");
            assertThat(model.version()).isGreaterThan(3);

            Map<String, JsonNode> centres = latestByKey(broker.bootstrapServers(), "intent-centres");
            float[][] expected = SnapshotTensors.centres(model);
            assertThat(centres).hasSize(expected.length);
            for (int c = 0; c < expected.length; c++) {
                JsonNode centre = centres.get("centre-" + c);
                assertThat(centre.get("model_version").asLong()).isEqualTo(model.version());
                assertThat(centre.get("clusters").asInt()).isEqualTo(expected.length);
                for (int d = 0; d < expected[c].length; d++) {
                    assertThat((float) centre.get("vector").get(d).asDouble()).isEqualTo(expected[c][d]);
                }
            }
            try (Admin admin = broker.admin()) {
                ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "intent-centres");
                Config config = admin.describeConfigs(List.of(topic)).all().get(30, TimeUnit.SECONDS).get(topic);
                assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
                        .isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
            }

            Configuration warm = SyntheticBenchmark.tinyJobOptions();
            warm.set(IntentStreamOptions.ITEM_CAPACITY, 64);
            warm.set(IntentStreamOptions.MODEL_INIT_PATH, export.toString());
            List<IntentAssignment> continued = run(warm, benchmark, dir.resolve("second"));
            assertThat(continued.stream().mapToLong(IntentAssignment::getModelVersion).min().orElseThrow())
                    .isGreaterThanOrEqualTo(model.version());
        }
    }

    private static List<IntentAssignment> run(Configuration options, Path benchmark, Path dir) throws Exception {
        Path intents = Files.createDirectories(dir.resolve("intents"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                IntentStreamJob.localClusterConfiguration(options, dir.resolve("checkpoints")));
        env.setParallelism(1);
        new IntentStreamJob(options, ReplaySources.file(benchmark, 8, 0),
                new AvroFileSink<>(intents, IntentAssignment.class),
                new AvroFileSink<>(Files.createDirectories(dir.resolve("recommendations")), Recommendation.class),
                new AvroFileSink<>(Files.createDirectories(dir.resolve("dead-letters")), DeadLetter.class))
                .build(env);
        env.execute("centres-and-export");
        return AvroFileSink.read(intents, IntentAssignment.class);
    }

    private static Map<String, JsonNode> latestByKey(String bootstrap, String topic) throws Exception {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        Map<String, JsonNode> latest = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    latest.put(record.key(), JSON.readTree(record.value()));
                }
            }
        }
        return latest;
    }
}
