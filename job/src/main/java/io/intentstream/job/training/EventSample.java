package io.intentstream.job.training;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * A deterministic share of events, chosen by a hash of the event id alone: a replay, a restore from a checkpoint
 * and a restart from a savepoint choose the same events, whatever the batches, the wall clock or the JVM. Each
 * purpose hashes with its own salt, so two samples of the same fraction (training, prequential scoring) are
 * independent of each other rather than the same events.
 */
public final class EventSample implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The salt of the prequential sample (0 keeps the hash it has always used). */
    static final long PREQUENTIAL_SALT = 0;
    /** The salt of the training sample. */
    static final long TRAINING_SALT = 0x7f4a7c15e3b1d9a3L;

    private final double fraction;
    private final long salt;

    /** @param fraction share of events chosen, in [0, 1] */
    public EventSample(double fraction, long salt) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fraction must be in [0, 1], got " + fraction);
        }
        this.fraction = fraction;
        this.salt = salt;
    }

    /** Which events the model trains on ({@code training.fraction}). */
    public static EventSample training(double fraction) {
        return new EventSample(fraction, TRAINING_SALT);
    }

    public double fraction() {
        return fraction;
    }

    /** True for every event at fraction 1, for none at 0, otherwise for the ids whose hash falls below it. */
    public boolean chooses(String eventId) {
        if (fraction >= 1) {
            return true;
        }
        if (fraction <= 0) {
            return false;
        }
        return unit(eventId, salt) < fraction;
    }

    /**
     * The id's position in [0, 1): FNV-1a over its UTF-8 bytes from a salted offset basis, then a 64-bit
     * finaliser, stable across JVMs (unlike String.hashCode) and uniform enough for sequential ids.
     */
    static double unit(String eventId, long salt) {
        long h = 0xcbf29ce484222325L ^ salt;
        for (byte b : eventId.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (h >>> 11) * 0x1.0p-53;
    }

    @Override
    public String toString() {
        return "EventSample{fraction=" + fraction + "}";
    }
}
