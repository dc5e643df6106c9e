package io.intentstream.job.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class EmbeddedKafkaBrokerTest {

    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
        System.out.println("Embedded Kafka broker started in " + broker.startTime().toMillis() + " ms");
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void readCommittedConsumerSeesCommittedTransactionsOnlyAndNeverTheAborted() throws Exception {
        String topic = "committed-" + System.nanoTime();
        broker.createTopics(List.of(topic), 2);

        try (KafkaProducer<String, String> producer = transactionalProducer("tx-" + topic)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "u-1", "kept-1"));
            producer.send(new ProducerRecord<>(topic, "u-2", "kept-2"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "u-3", "aborted"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "u-4", "kept-3"));
            producer.commitTransaction();
        }

        List<ConsumerRecord<String, String>> read = readAll(topic, "read_committed", 3);
        assertThat(read).extracting(ConsumerRecord::value).containsExactlyInAnyOrder("kept-1", "kept-2", "kept-3");
        assertThat(read).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("u-1", "u-2", "u-4");
    }

    @Test
    void readUncommittedConsumerAlsoSeesTheAbortedRecordWhichProvesTheTransactionReachedTheLog() throws Exception {
        String topic = "uncommitted-" + System.nanoTime();
        broker.createTopics(List.of(topic), 1);

        try (KafkaProducer<String, String> producer = transactionalProducer("tx-" + topic)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "u-1", "aborted"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "u-2", "kept"));
            producer.commitTransaction();
        }

        assertThat(readAll(topic, "read_uncommitted", 2)).extracting(ConsumerRecord::value)
                .containsExactly("aborted", "kept");
    }

    @Test
    void keepsRecordsWithTimestampsYearsInThePast() throws Exception {
        // The sinks stamp outputs with historical event times; default retention would delete them.
        String topic = "old-" + System.nanoTime();
        broker.createTopics(List.of(topic), 1);
        long twoYearsAgo = System.currentTimeMillis() - Duration.ofDays(730).toMillis();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic, null, twoYearsAgo + i, "u-" + i, "old-" + i)).get();
            }
        }
        try (var admin = broker.admin()) {
            var config = admin.describeConfigs(List.of(
                    new org.apache.kafka.common.config.ConfigResource(
                            org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic)))
                    .all().get().values().iterator().next();
            assertThat(config.get("retention.ms").value()).isEqualTo("-1");
            var earliest = admin.listOffsets(Map.of(new TopicPartition(topic, 0),
                    org.apache.kafka.clients.admin.OffsetSpec.earliest())).all().get();
            assertThat(earliest.values()).allSatisfy(o -> assertThat(o.offset()).isZero());
        }
        assertThat(readAll(topic, "read_uncommitted", 5)).extracting(ConsumerRecord::timestamp)
                .allSatisfy(t -> assertThat(t).isLessThan(twoYearsAgo + 5));
    }

    @Test
    void createTopicsCreatesEveryTopicWithTheRequestedPartitions() throws Exception {
        String a = "a-" + System.nanoTime();
        String b = "b-" + System.nanoTime();
        broker.createTopics(List.of(a, b), 3);
        try (var admin = broker.admin()) {
            var descriptions = admin.describeTopics(List.of(a, b)).allTopicNames().get();
            assertThat(descriptions).containsOnlyKeys(a, b);
            assertThat(descriptions.values()).allSatisfy(d -> assertThat(d.partitions()).hasSize(3));
        }
    }

    @Test
    void creatingAnExistingTopicFailsWithItsName() {
        String topic = "twice-" + System.nanoTime();
        broker.createTopics(List.of(topic), 1);
        assertThatThrownBy(() -> broker.createTopics(List.of(topic), 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(topic);
    }

    @Test
    void bootstrapServersPointAtLoopback() {
        assertThat(broker.bootstrapServers()).matches("(localhost|127\\.0\\.0\\.1):\\d+");
    }

    @Test
    void closeStopsTheBrokerAndDeletesItsDirectory() throws Exception {
        EmbeddedKafkaBroker own = EmbeddedKafkaBroker.start();
        Path directory = own.baseDirectory();
        assertThat(directory).isDirectory();
        own.close();
        assertThat(Files.exists(directory)).isFalse();
        own.close();
    }

    private static KafkaProducer<String, String> transactionalProducer(String transactionalId) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        return new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer());
    }

    private static List<ConsumerRecord<String, String>> readAll(String topic, String isolation, int expected) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer())) {
            var partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            // Read up to the end offsets (they include transaction markers), then a little longer to catch
            // anything that should not be there.
            while (System.nanoTime() < deadline
                    && partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            assertThat(partitions).allSatisfy(p -> assertThat(consumer.position(p)).isEqualTo(end.get(p)));
        }
        assertThat(records).as("records read from %s with %s", topic, isolation).hasSize(expected);
        return records;
    }
}
