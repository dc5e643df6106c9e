package io.intentstream.job.demo;

import java.util.Objects;

/**
 * One interaction of the demo's input stream before it is encoded as an Avro {@code Interaction}.
 *
 * @param eventId unique within the stream
 * @param userId external user id, also the Kafka record key
 * @param itemId external item id
 * @param eventTimeMillis event time, UTC epoch milliseconds
 */
public record InteractionEvent(String eventId, String userId, String itemId, long eventTimeMillis) {

    public InteractionEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(itemId, "itemId");
        if (eventTimeMillis < 0) {
            throw new IllegalArgumentException("eventTimeMillis must not be negative, got " + eventTimeMillis);
        }
    }
}
