package io.intentstream.job.source;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.Interaction;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Objects;

/**
 * What the source emits for every Kafka record: a valid {@link Interaction}, or the record's raw bytes with the
 * reason it was rejected. Either way it keeps where it came from, so a rejected record can be found again.
 *
 * <p>A Flink POJO (public fields, no-arg constructor). Build instances with the factories, which validate.
 */
public class InteractionRecord {

    /** The decoded interaction when valid, else null. */
    public Interaction interaction;
    /**
     * The raw value as read (null only when the value was null): kept for valid records too, so that a record
     * found to be a duplicate further on still goes to the dead letters byte for byte.
     */
    public byte[] payload;
    /** Why the record was rejected, starting with a {@link RejectionReason} code; null when valid. */
    public String rejection;
    public String topic;
    public int partition;
    public long offset;

    public InteractionRecord() {}

    /**
     * A decoded interaction checked with the default rules at the current wall-clock time.
     *
     * @see #decoded(Interaction, byte[], String, int, long, InteractionValidation, long)
     */
    public static InteractionRecord decoded(
            Interaction interaction, byte[] payload, String topic, int partition, long offset) {
        return decoded(interaction, payload, topic, partition, offset, InteractionValidation.DEFAULTS,
                System.currentTimeMillis());
    }

    /**
     * A decoded interaction: valid, or rejected as INVALID. An interaction without an event id first gets one
     * derived from its content ({@link EventIds}); an empty one is kept as it is and rejected.
     */
    public static InteractionRecord decoded(Interaction interaction, byte[] payload, String topic, int partition,
            long offset, InteractionValidation validation, long nowMillis) {
        InteractionRecord record = at(topic, partition, offset);
        record.payload = payload;
        if (interaction.getEventId() == null && interaction.getUserId() != null && interaction.getItemId() != null) {
            interaction.setEventId(EventIds.derive(interaction));
        }
        String problem = validation.problem(interaction, nowMillis);
        if (problem == null) {
            record.interaction = interaction;
        } else {
            record.rejection = RejectionReason.INVALID.describe(problem);
        }
        return record;
    }

    /** A record whose bytes are not an Interaction. */
    public static InteractionRecord undecodable(byte[] payload, String why, String topic, int partition, long offset) {
        InteractionRecord record = at(topic, partition, offset);
        record.payload = payload;
        record.rejection = RejectionReason.UNDECODABLE.describe(why);
        return record;
    }

    private static InteractionRecord at(String topic, int partition, long offset) {
        InteractionRecord record = new InteractionRecord();
        record.topic = Objects.requireNonNull(topic, "topic");
        record.partition = partition;
        record.offset = offset;
        return record;
    }

    public boolean isValid() {
        return rejection == null;
    }

    /** The event time for watermarking; rejected records get none, so they cannot move the watermark. */
    public long eventTimeOrMin() {
        return isValid() ? interaction.getEventTime().toEpochMilli() : Long.MIN_VALUE;
    }

    public DeadLetter toDeadLetter(Instant failedAt) {
        if (isValid()) {
            throw new IllegalStateException("a valid interaction is not a dead letter");
        }
        return deadLetter(rejection, failedAt);
    }

    /** A dead letter of this record, valid or not, for a reason found after decoding (a duplicate). */
    public DeadLetter deadLetter(String reason, Instant failedAt) {
        return DeadLetter.newBuilder()
                .setPayload(ByteBuffer.wrap(payload == null ? new byte[0] : payload))
                .setReason(reason)
                .setSourceTopic(topic)
                .setSourcePartition(partition)
                .setSourceOffset(offset)
                .setFailedAt(failedAt)
                .build();
    }

    @Override
    public String toString() {
        return isValid()
                ? "InteractionRecord{" + topic + "-" + partition + "@" + offset + " " + interaction + "}"
                : "InteractionRecord{" + topic + "-" + partition + "@" + offset + " rejected: " + rejection + "}";
    }
}
