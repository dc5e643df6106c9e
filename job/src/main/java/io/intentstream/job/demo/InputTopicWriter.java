package io.intentstream.job.demo;

import io.intentstream.avro.Interaction;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes the demo's input topic: every event as a plain Avro binary {@code Interaction} keyed by user id, plus
 * malformed records spread evenly through the stream so that the dead-letter path has something to show.
 */
public final class InputTopicWriter {

    /** Bounds the final flush; a local broker takes well under a second for tens of thousands of records. */
    private static final Duration FLUSH_TIMEOUT = Duration.ofMinutes(2);

    /** Ways an input record can be unusable, cycled through in this order. */
    public enum MalformedKind {
        /** Not Avro: the first half of a valid record's bytes. */
        TRUNCATED(true),
        /** Not Avro: a value with no bytes at all. */
        EMPTY(true),
        /** Valid Avro, invalid content: the user id is blank. */
        BLANK_USER(false),
        /** Valid Avro, invalid content: the item id is blank. */
        BLANK_ITEM(false);

        private final boolean undecodable;

        MalformedKind(boolean undecodable) {
            this.undecodable = undecodable;
        }

        /** True when the bytes cannot be decoded as an Interaction; false when they decode but fail validation. */
        public boolean undecodable() {
            return undecodable;
        }
    }

    /** Where a malformed record landed. */
    public record MalformedRecord(MalformedKind kind, String topic, int partition, long offset) {}

    /** What was written: the count of valid events and the position of every malformed record. */
    public record WrittenInput(int validEvents, List<MalformedRecord> malformed) {
        public int total() {
            return validEvents + malformed.size();
        }
    }

    private InputTopicWriter() {}

    /**
     * Writes {@code events} in order and {@code malformed} malformed records between them, then waits until the
     * broker has acknowledged every record.
     *
     * @throws IllegalStateException if the broker rejects a record or does not acknowledge in time
     */
    public static WrittenInput write(String bootstrapServers, String topic, List<InteractionEvent> events,
            int malformed) {
        if (malformed < 0) {
            throw new IllegalArgumentException("malformed must not be negative, got " + malformed);
        }
        AtomicReference<Exception> failure = new AtomicReference<>();
        List<Future<RecordMetadata>> malformedSends = new ArrayList<>(malformed);
        List<MalformedKind> malformedKinds = new ArrayList<>(malformed);
        try (KafkaProducer<String, byte[]> producer = producer(bootstrapServers)) {
            int nextMalformed = 0;
            for (int i = 0; i < events.size() || nextMalformed < malformed; i++) {
                if (i < events.size()) {
                    InteractionEvent event = events.get(i);
                    producer.send(new ProducerRecord<>(topic, event.userId(), AvroBinary.encode(toAvro(event))),
                            (metadata, error) -> {
                                if (error != null) {
                                    failure.compareAndSet(null, error);
                                }
                            });
                }
                // Malformed record j goes after event floor((j+1) * N / (M+1)), so they are spread evenly.
                while (nextMalformed < malformed
                        && (i >= events.size() - 1
                                || (long) (nextMalformed + 1) * events.size() / (malformed + 1) <= i)) {
                    MalformedKind kind = MalformedKind.values()[nextMalformed % MalformedKind.values().length];
                    InteractionEvent neighbour = events.isEmpty()
                            ? new InteractionEvent("e-none", "u-none", "item-none", 0)
                            : events.get(Math.min(i, events.size() - 1));
                    malformedSends.add(producer.send(new ProducerRecord<>(
                            topic, neighbour.userId(), malformedValue(kind, neighbour, nextMalformed))));
                    malformedKinds.add(kind);
                    nextMalformed++;
                }
                if (failure.get() != null) {
                    break;
                }
            }
            producer.flush();
            List<MalformedRecord> positions = new ArrayList<>(malformed);
            for (int j = 0; j < malformedSends.size(); j++) {
                RecordMetadata metadata = malformedSends.get(j).get(FLUSH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                positions.add(new MalformedRecord(
                        malformedKinds.get(j), topic, metadata.partition(), metadata.offset()));
            }
            if (failure.get() != null) {
                throw new IllegalStateException(
                        "Kafka rejected an input record: " + failure.get().getMessage(), failure.get());
            }
            return new WrittenInput(events.size(), Collections.unmodifiableList(positions));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while writing the input topic", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka did not acknowledge a malformed input record: " + e.getMessage(), e);
        }
    }

    /** The Avro form of a demo event: no event type, no context. */
    public static Interaction toAvro(InteractionEvent event) {
        return Interaction.newBuilder()
                .setEventId(event.eventId())
                .setUserId(event.userId())
                .setItemId(event.itemId())
                .setEventTime(Instant.ofEpochMilli(event.eventTimeMillis()))
                .setEventType(null)
                .setContext(Map.of())
                .build();
    }

    static byte[] malformedValue(MalformedKind kind, InteractionEvent neighbour, int index) {
        InteractionEvent template = new InteractionEvent(
                "malformed-" + index, neighbour.userId(), neighbour.itemId(), neighbour.eventTimeMillis());
        return switch (kind) {
            case TRUNCATED -> {
                byte[] valid = AvroBinary.encode(toAvro(template));
                byte[] half = new byte[valid.length / 2];
                System.arraycopy(valid, 0, half, 0, half.length);
                yield half;
            }
            case EMPTY -> new byte[0];
            case BLANK_USER -> AvroBinary.encode(toAvro(new InteractionEvent(
                    template.eventId(), " ", template.itemId(), template.eventTimeMillis())));
            case BLANK_ITEM -> AvroBinary.encode(toAvro(new InteractionEvent(
                    template.eventId(), template.userId(), "", template.eventTimeMillis())));
        };
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        properties.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        return new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
    }
}
