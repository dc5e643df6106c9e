package io.intentstream.model.offline;

/**
 * What a run does when validation stops improving: after {@code patience} epochs without a better NDCG@20 it returns
 * to its best model and continues at the learning rate times {@code factor}, up to {@code times} times, and only
 * then stops early. The reference stops at the first such plateau ({@link #NONE}); a lower rate from the best point
 * lets Adam settle into the minimum it was circling instead of leaving it at a rate tuned for the climb.
 *
 * @param times how often the learning rate may be lowered; 0 stops at the first plateau
 * @param factor what the learning rate is multiplied by each time, in (0, 1)
 */
public record PlateauDecay(int times, float factor) {

    public static final float DEFAULT_FACTOR = 0.1f;
    /** Stop at the first plateau, as the reference does. */
    public static final PlateauDecay NONE = new PlateauDecay(0, DEFAULT_FACTOR);

    public PlateauDecay {
        if (times < 0) {
            throw new IllegalArgumentException("the learning rate's decays must be 0 or more, got " + times);
        }
        if (!(factor > 0 && factor < 1)) {
            throw new IllegalArgumentException("the learning rate's decay factor must be in (0, 1), got " + factor);
        }
    }

    /** Whether a run that has lowered its learning rate {@code done} times may lower it again. */
    boolean allowsAnother(int done) {
        return done < times;
    }
}
