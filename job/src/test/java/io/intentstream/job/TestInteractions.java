package io.intentstream.job;

import io.intentstream.avro.Interaction;

import java.time.Instant;
import java.util.Map;

/** Builds valid interactions for tests. */
public final class TestInteractions {

    private TestInteractions() {}

    public static Interaction interaction(String eventId, String userId, String itemId, long eventTimeMillis) {
        return Interaction.newBuilder()
                .setEventId(eventId)
                .setUserId(userId)
                .setItemId(itemId)
                .setEventTime(Instant.ofEpochMilli(eventTimeMillis))
                .setEventType("view")
                .setContext(Map.of())
                .build();
    }
}
