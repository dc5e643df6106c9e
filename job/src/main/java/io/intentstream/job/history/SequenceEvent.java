package io.intentstream.job.history;

import java.util.Arrays;
import java.util.Objects;

/**
 * One interaction together with the user's recent items before it: what the training operator batches.
 *
 * <p>{@code history} holds the {@link io.intentstream.model.catalog.ItemFingerprint}s of at most T items,
 * oldest first, NOT including {@code itemId}. A Flink POJO (public fields, no-arg constructor).
 */
public class SequenceEvent {

    public String eventId;
    public String userId;
    public String itemId;
    /** Event time in epoch milliseconds. */
    public long eventTime;
    public long[] history;

    public SequenceEvent() {}

    public SequenceEvent(String eventId, String userId, String itemId, long eventTime, long[] history) {
        this.eventId = eventId;
        this.userId = userId;
        this.itemId = itemId;
        this.eventTime = eventTime;
        this.history = history;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SequenceEvent e
                && eventTime == e.eventTime
                && Objects.equals(eventId, e.eventId)
                && Objects.equals(userId, e.userId)
                && Objects.equals(itemId, e.itemId)
                && Arrays.equals(history, e.history);
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventId, userId, itemId, eventTime) * 31 + Arrays.hashCode(history);
    }

    @Override
    public String toString() {
        return "SequenceEvent{" + eventId + ", user " + userId + ", item " + itemId + ", t " + eventTime
                + ", history " + (history == null ? 0 : history.length) + " items}";
    }
}
