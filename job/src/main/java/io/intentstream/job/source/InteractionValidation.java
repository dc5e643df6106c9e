package io.intentstream.job.source;

import io.intentstream.avro.Interaction;

/** The rules a decoded interaction must meet before it may touch user state or the model. */
public final class InteractionValidation {

    private InteractionValidation() {}

    /** What is wrong with {@code interaction}, or null when it is valid. */
    public static String problem(Interaction interaction) {
        if (isBlank(interaction.getEventId())) {
            return "event_id is blank";
        }
        if (isBlank(interaction.getUserId())) {
            return "user_id is blank";
        }
        if (isBlank(interaction.getItemId())) {
            return "item_id is blank";
        }
        if (interaction.getEventTime() == null) {
            return "event_time is missing";
        }
        if (interaction.getEventTime().toEpochMilli() < 0) {
            return "event_time is negative (" + interaction.getEventTime().toEpochMilli() + " ms)";
        }
        return null;
    }

    private static boolean isBlank(CharSequence s) {
        return s == null || s.toString().isBlank();
    }
}
