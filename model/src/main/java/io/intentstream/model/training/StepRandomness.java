package io.intentstream.model.training;

import java.util.SplittableRandom;

/**
 * All randomness of one step as a pure function of (model seed, draw number).
 *
 * <p>The engine's generator (dropout) cannot be read back, so instead of saving its state the model re-seeds it
 * before every step from the seed and a counter that is part of the snapshot; negatives and augmentations come
 * from a Java generator derived the same way. A restored model therefore continues with exactly the random
 * numbers the original would have drawn.
 */
public record StepRandomness(int engineSeed, long hostSeed) {

    /** Purposes of a draw, so that a step and, say, a row reset with the same counter never share numbers. */
    public enum Purpose {
        TRAIN_STEP,
        ROW_RESET,
        CENTRE_INIT,
        PARAMETER_INIT
    }

    public static StepRandomness of(long modelSeed, long draw, Purpose purpose) {
        SplittableRandom root = new SplittableRandom(mix(mix(modelSeed) ^ draw) ^ mix(purpose.ordinal() + 1L));
        return new StepRandomness(root.nextInt(), root.nextLong());
    }

    public SplittableRandom hostRandom() {
        return new SplittableRandom(hostSeed);
    }

    /** Stafford's variant 13 of the 64-bit finaliser (as in SplittableRandom): decorrelates nearby inputs. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
