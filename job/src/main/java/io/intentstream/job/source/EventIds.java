package io.intentstream.job.source;

import io.intentstream.avro.Interaction;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The event id of an interaction whose producer sent none.
 *
 * <p>Derived from the content (user id, item id, event time, event type), not from where the record sits in Kafka
 * (topic, partition, offset): a producer that retries a send without idempotence writes the same event at a new
 * offset, and only a content id recognises the copy as a duplicate; the same event mirrored to another cluster or
 * replayed from a file keeps its id, so outputs still join to it. The price: two genuinely separate interactions
 * of one user with one item, of the same type, in the same millisecond are taken for one (and the second goes to
 * the dead letters as a duplicate), which for a recommender's input is what a double click is anyway.
 */
public final class EventIds {

    /** Every derived id starts with this, so consumers can tell them from the producers' own. */
    public static final String DERIVED_PREFIX = "derived-";

    private EventIds() {}

    /** {@value #DERIVED_PREFIX} + the first 128 bits of SHA-256 over the length-prefixed fields, in hex. */
    public static String derive(Interaction interaction) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
        // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        update(sha256, interaction.getUserId());
        update(sha256, interaction.getItemId());
        update(sha256, interaction.getEventTime() == null ? "" : Long.toString(interaction.getEventTime().toEpochMilli()));
        update(sha256, interaction.getEventType() == null ? "" : interaction.getEventType());
        byte[] digest = sha256.digest();
        return DERIVED_PREFIX + HexFormat.of().formatHex(digest, 0, 16);
    }

    private static void update(MessageDigest digest, String field) {
        byte[] bytes = (field == null ? "" : field).getBytes(StandardCharsets.UTF_8);
        digest.update(new byte[] {(byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16),
                (byte) (bytes.length >>> 8), (byte) bytes.length});
        digest.update(bytes);
    }
}
