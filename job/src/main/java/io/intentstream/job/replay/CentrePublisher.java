package io.intentstream.job.replay;

import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.export.SnapshotTensors;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the model's intent centres to a small compacted Kafka topic, one record per centre keyed
 * {@code centre-<id>}, so that consumers of the intents topic can interpret cluster ids: the latest record of each
 * key is that centre in the newest published model version. Values are JSON:
 * {@code {"centre_id":3,"clusters":256,"model_version":1200,"published_at":"...","vector":[...]}}.
 *
 * <p>Called by the training operator (through {@link ModelExchange}) after batches, at most once per interval and
 * only when the model changed, and at the end of a bounded input. A publication opens its own producer and closes
 * it again: at this rate that costs less than keeping one open for the operator's lifetime, which would need a
 * close hook. Not transactional: a centre record republished after a failure is the same or a newer version,
 * which compaction resolves.
 */
public final class CentrePublisher implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CentrePublisher.class);
    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String bootstrapServers;
    private final String topic;
    private final long intervalMillis;

    private transient boolean topicChecked;
    private transient long lastPublishedMillis;
    private transient long lastPublishedVersion = -1;

    public CentrePublisher(String bootstrapServers, String topic, Duration interval) {
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.topic = Objects.requireNonNull(topic, "topic");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the centres interval must be positive, got " + interval);
        }
        this.intervalMillis = interval.toMillis();
    }

    public String topic() {
        return topic;
    }

    /** Whether a publication is due at processing time {@code nowMillis} (the first one right away). */
    public boolean due(long nowMillis) {
        return lastPublishedVersion < 0 || nowMillis - lastPublishedMillis >= intervalMillis;
    }

    /**
     * Publishes the centres of {@code snapshotBytes} unless this version was published already.
     *
     * @return the number of records written (0 when nothing changed)
     */
    public int publish(byte[] snapshotBytes, long nowMillis) {
        ModelSnapshot snapshot = ModelSnapshot.fromBytes(snapshotBytes);
        lastPublishedMillis = nowMillis;
        if (snapshot.version() == lastPublishedVersion) {
            return 0;
        }
        float[][] centres = SnapshotTensors.centres(snapshot);
        ensureCompactedTopic();
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        String publishedAt = Instant.ofEpochMilli(nowMillis).toString();
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer())) {
            for (int c = 0; c < centres.length; c++) {
                Map<String, Object> value = new LinkedHashMap<>();
                value.put("centre_id", c);
                value.put("clusters", centres.length);
                value.put("model_version", snapshot.version());
                value.put("published_at", publishedAt);
                value.put("vector", centres[c]);
                producer.send(new ProducerRecord<>(topic, "centre-" + c, JSON.writeValueAsBytes(value)));
            }
            producer.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot encode a centre", e);
        }
        lastPublishedVersion = snapshot.version();
        LOG.info("Published {} centres of model version {} to {}", centres.length, snapshot.version(), topic);
        return centres.length;
    }

    private void ensureCompactedTopic() {
        if (topicChecked) {
            return;
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) KAFKA_TIMEOUT.toMillis()))) {
            Set<String> existing = admin.listTopics().names().get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!existing.contains(topic)) {
                NewTopic compacted = new NewTopic(topic, Optional.of(1), Optional.empty())
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                try {
                    admin.createTopics(List.of(compacted)).all().get(KAFKA_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            topicChecked = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating the centres topic " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot create the centres topic " + topic + ": " + e.getMessage(), e);
        }
    }
}
