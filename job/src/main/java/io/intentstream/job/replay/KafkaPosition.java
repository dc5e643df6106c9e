package io.intentstream.job.replay;

import java.io.Serializable;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.TreeMap;

import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/**
 * A position in the interactions topic where a replay starts or stops, written on the command line as
 * {@code earliest}, {@code latest}, {@code timestamp:2026-11-27T00:00:00Z} (or epoch milliseconds) or
 * {@code offsets:0=120,1=98} (partition=offset; partitions not listed start at their earliest / stop at latest).
 */
public sealed interface KafkaPosition extends Serializable {

    /** The first retained record of every partition. */
    record Earliest() implements KafkaPosition {}

    /** The end of every partition when the job starts. */
    record Latest() implements KafkaPosition {}

    /** The first record of every partition whose timestamp is at or after {@code epochMillis}. */
    record AtTimestamp(long epochMillis) implements KafkaPosition {
        public AtTimestamp {
            if (epochMillis < 0) {
                throw new IllegalArgumentException("a timestamp position must not be negative, got " + epochMillis);
            }
        }
    }

    /** Explicit offsets by partition. */
    record AtOffsets(Map<Integer, Long> offsets) implements KafkaPosition {
        public AtOffsets {
            if (offsets.isEmpty()) {
                throw new IllegalArgumentException("an offsets position needs at least one partition=offset");
            }
            offsets.forEach((partition, offset) -> {
                if (partition < 0 || offset < 0) {
                    throw new IllegalArgumentException(
                            "partitions and offsets must not be negative, got " + partition + "=" + offset);
                }
            });
            offsets = Map.copyOf(offsets);
        }
    }

    /**
     * Parses the command-line form.
     *
     * @throws IllegalArgumentException saying what is accepted
     */
    public static KafkaPosition parse(String text) {
        String value = text.trim();
        if (value.equalsIgnoreCase("earliest")) {
            return new Earliest();
        }
        if (value.equalsIgnoreCase("latest")) {
            return new Latest();
        }
        if (value.startsWith("timestamp:")) {
            String time = value.substring("timestamp:".length());
            try {
                return new AtTimestamp(time.chars().allMatch(Character::isDigit)
                        ? Long.parseLong(time) : Instant.parse(time).toEpochMilli());
            } catch (NumberFormatException | DateTimeParseException e) {
                throw new IllegalArgumentException("'" + time + "' is neither epoch milliseconds nor an ISO-8601 "
                        + "instant such as 2026-11-27T00:00:00Z");
            }
        }
        if (value.startsWith("offsets:")) {
            Map<Integer, Long> offsets = new TreeMap<>();
            for (String pair : value.substring("offsets:".length()).split(",")) {
                String[] parts = pair.trim().split("=");
                try {
                    if (parts.length != 2 || offsets.put(Integer.parseInt(parts[0]), Long.parseLong(parts[1])) != null) {
                        throw new NumberFormatException();
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + pair + "' is not partition=offset (each partition once)");
                }
            }
            return new AtOffsets(offsets);
        }
        throw new IllegalArgumentException("'" + text + "' is not a position: use earliest, latest, "
                + "timestamp:<ISO instant or epoch ms> or offsets:<partition>=<offset>,...");
    }

    /** As a start: where the source begins reading. */
    default OffsetsInitializer asStart(String topic) {
        if (this instanceof Earliest) {
            return OffsetsInitializer.earliest();
        }
        if (this instanceof Latest) {
            return OffsetsInitializer.latest();
        }
        if (this instanceof AtTimestamp t) {
            return OffsetsInitializer.timestamp(t.epochMillis());
        }
        return OffsetsInitializer.offsets(byTopicPartition(topic, ((AtOffsets) this).offsets()),
                OffsetResetStrategy.EARLIEST);
    }

    /** As a stop: the first offset of every partition the source does not read any more. */
    default OffsetsInitializer asStop(String topic) {
        if (this instanceof Earliest) {
            throw new IllegalArgumentException("a replay cannot stop at the earliest offsets");
        }
        if (this instanceof Latest) {
            return OffsetsInitializer.latest();
        }
        if (this instanceof AtTimestamp t) {
            return OffsetsInitializer.timestamp(t.epochMillis());
        }
        return OffsetsInitializer.offsets(byTopicPartition(topic, ((AtOffsets) this).offsets()),
                OffsetResetStrategy.LATEST);
    }

    private static Map<TopicPartition, Long> byTopicPartition(String topic, Map<Integer, Long> offsets) {
        Map<TopicPartition, Long> result = new java.util.HashMap<>();
        offsets.forEach((partition, offset) -> result.put(new TopicPartition(topic, partition), offset));
        return result;
    }
}
