package io.intentstream.job.source;

import io.intentstream.avro.Interaction;
import io.intentstream.job.config.IntentStreamOptions;
import org.apache.flink.configuration.Configuration;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;

/**
 * The rules a decoded interaction must meet before it may touch user state or the model.
 *
 * <p>All rules but one depend on the record alone. The exception is the bound on future event times, which is
 * relative to the wall clock when the record is read: a record rejected as "too far ahead" may be accepted when it
 * is read again much later (after a restore from an old checkpoint, or a replay).
 */
public final class InteractionValidation implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The job's defaults ({@link IntentStreamOptions}). */
    public static final InteractionValidation DEFAULTS = new InteractionValidation(
            Instant.parse(IntentStreamOptions.EARLIEST_EVENT_TIME.defaultValue()),
            IntentStreamOptions.MAX_EVENT_TIME_AHEAD.defaultValue(),
            IntentStreamOptions.MAX_ID_LENGTH.defaultValue());

    private final long earliestEventTimeMillis;
    private final long maxAheadMillis;
    private final int maxIdLength;

    public InteractionValidation(Instant earliestEventTime, Duration maxAhead, int maxIdLength) {
        if (maxAhead.isNegative()) {
            throw new IllegalArgumentException("maxAhead must not be negative, got " + maxAhead);
        }
        if (maxIdLength < 1) {
            throw new IllegalArgumentException("maxIdLength must be at least 1, got " + maxIdLength);
        }
        this.earliestEventTimeMillis = earliestEventTime.toEpochMilli();
        this.maxAheadMillis = maxAhead.toMillis();
        this.maxIdLength = maxIdLength;
    }

    public static InteractionValidation from(Configuration options) {
        IntentStreamOptions.validate(options);
        return new InteractionValidation(Instant.parse(options.get(IntentStreamOptions.EARLIEST_EVENT_TIME)),
                options.get(IntentStreamOptions.MAX_EVENT_TIME_AHEAD),
                options.get(IntentStreamOptions.MAX_ID_LENGTH));
    }

    /** What is wrong with {@code interaction} read at {@code nowMillis} (wall clock), or null when it is valid. */
    public String problem(Interaction interaction, long nowMillis) {
        String idProblem = idProblem("event_id", interaction.getEventId());
        if (idProblem == null) {
            idProblem = idProblem("user_id", interaction.getUserId());
        }
        if (idProblem == null) {
            idProblem = idProblem("item_id", interaction.getItemId());
        }
        if (idProblem != null) {
            return idProblem;
        }
        if (interaction.getEventTime() == null) {
            return "event_time is missing";
        }
        long eventTime = interaction.getEventTime().toEpochMilli();
        if (eventTime < 0) {
            return "event_time is negative (" + eventTime + " ms)";
        }
        if (eventTime < earliestEventTimeMillis) {
            return "event_time " + interaction.getEventTime() + " is before the earliest accepted "
                    + Instant.ofEpochMilli(earliestEventTimeMillis);
        }
        if (eventTime - nowMillis > maxAheadMillis) {
            return "event_time " + interaction.getEventTime() + " is more than " + Duration.ofMillis(maxAheadMillis)
                    + " after the wall clock (" + Instant.ofEpochMilli(nowMillis) + ")";
        }
        return null;
    }

    private String idProblem(String field, CharSequence id) {
        if (id == null || id.toString().isBlank()) {
            return field + " is blank";
        }
        if (id.length() > maxIdLength) {
            return field + " is " + id.length() + " characters long (at most " + maxIdLength + ")";
        }
        return null;
    }
}
