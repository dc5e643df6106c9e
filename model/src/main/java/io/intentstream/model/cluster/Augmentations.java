package io.intentstream.model.cluster;

import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.SequenceWindows;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * The sequence augmentations of the contrastive part of ELCRec (spec §4): crop, mask and reorder, and the builder
 * of the two augmented views of every sequence of a batch.
 *
 * <p>Usage from the training step:
 * <pre>{@code
 * Augmentations augmentations = Augmentations.from(config);
 * RandomGenerator rng = ...;                                   // derived from (seed, step): reproducible runs
 * Augmentations.ViewPair views = augmentations.twoViews(batch.inputs(), rng);
 * int[][] first = views.first(), second = views.second();     // (B, T), left-padded with 0 like the inputs
 * }</pre>
 *
 * <p>Behaviour follows the reference code (ICLRec's {@code data_augmentation.py}, reused by ELCRec):
 * <ul>
 *   <li>lengths are {@code int(rate * n)} (floor, as Python's {@code int}), computed on the decimal value of the
 *       float rate so that 0.7 x 10 is 7 here as it is in Python;</li>
 *   <li>crop keeps at least one item;</li>
 *   <li>mask writes 0, the padding id (not the mask id {@code itemCount + 1}), so the encoder's key-padding mask
 *       also hides the masked positions, exactly as in the reference;</li>
 *   <li>each view applies one operator chosen uniformly at random.</li>
 * </ul>
 * One deliberate difference: the reference draws window starts with {@code randint(0, n - len - 1)}, which can
 * never choose the window that ends at the last (most recent) item; here every window start in
 * {@code [0, n - len]} is equally likely.
 *
 * <p>All randomness comes from the {@link RandomGenerator} passed in; instances hold only the three rates and
 * are immutable and thread-safe.
 */
public final class Augmentations {

    /** The three operators; {@link #augment} picks one uniformly per view. */
    public enum Operator {
        CROP,
        MASK,
        REORDER
    }

    /** The two augmented views of a batch, each (B, T) and left-padded with 0. */
    public record ViewPair(int[][] first, int[][] second) {}

    private static final int PADDING = 0;
    private static final Operator[] OPERATORS = Operator.values();

    private final double cropRate;
    private final double maskRate;
    private final double reorderRate;

    /**
     * @param cropRate fraction of the items a crop keeps, in (0, 1]
     * @param maskRate fraction of the items a mask replaces with padding, in [0, 1]
     * @param reorderRate fraction of the items in the window a reorder shuffles, in [0, 1]
     */
    public Augmentations(float cropRate, float maskRate, float reorderRate) {
        if (!(cropRate > 0 && cropRate <= 1)) {
            throw new IllegalArgumentException("cropRate must be in (0,1], got " + cropRate);
        }
        if (!(maskRate >= 0 && maskRate <= 1)) {
            throw new IllegalArgumentException("maskRate must be in [0,1], got " + maskRate);
        }
        if (!(reorderRate >= 0 && reorderRate <= 1)) {
            throw new IllegalArgumentException("reorderRate must be in [0,1], got " + reorderRate);
        }
        this.cropRate = decimal(cropRate);
        this.maskRate = decimal(maskRate);
        this.reorderRate = decimal(reorderRate);
    }

    /** The rates of {@code config} (cropRate, maskRate, reorderRate). */
    public static Augmentations from(ElcRecConfig config) {
        return new Augmentations(config.cropRate(), config.maskRate(), config.reorderRate());
    }

    /**
     * Two augmented views of every row.
     *
     * <p>Each row is a left-padded window of T item rows; the operators work on its non-padding part (the items
     * after the leading zeros) and the results are left-padded back to T. The reference augments the user's
     * whole history before truncating to T; in a stream the T-window is all the job keeps, so it is what gets
     * augmented. For each row, the first view is drawn before the second, and rows are processed in order, so a
     * given generator state always yields the same views. A row without items yields two all-padding views.
     *
     * @param rows (B, T) item rows, every row of the same length T, left-padded with 0
     * @param rng the only source of randomness
     */
    public ViewPair twoViews(int[][] rows, RandomGenerator rng) {
        if (rows.length == 0) {
            return new ViewPair(new int[0][], new int[0][]);
        }
        int length = rows[0].length;
        int[][] first = new int[rows.length][];
        int[][] second = new int[rows.length][];
        for (int b = 0; b < rows.length; b++) {
            if (rows[b].length != length) {
                throw new IllegalArgumentException("every row must have length " + length + " (the first row's), row "
                        + b + " has " + rows[b].length);
            }
            int[] items = items(rows[b]);
            first[b] = SequenceWindows.leftPad(augment(items, rng), length);
            second[b] = SequenceWindows.leftPad(augment(items, rng), length);
        }
        return new ViewPair(first, second);
    }

    /** Applies one operator chosen uniformly at random to {@code items} (no padding); returns a new array. */
    public int[] augment(int[] items, RandomGenerator rng) {
        return apply(OPERATORS[rng.nextInt(OPERATORS.length)], items, rng);
    }

    /** Applies {@code operator} to {@code items} (no padding); returns a new array, {@code items} is unchanged. */
    public int[] apply(Operator operator, int[] items, RandomGenerator rng) {
        return switch (operator) {
            case CROP -> crop(items, rng);
            case MASK -> mask(items, rng);
            case REORDER -> reorder(items, rng);
        };
    }

    /**
     * A contiguous slice of {@code max(1, int(cropRate * n))} items, its start uniform over all possible starts.
     * An empty input gives an empty output.
     */
    public int[] crop(int[] items, RandomGenerator rng) {
        int n = items.length;
        if (n == 0) {
            return new int[0];
        }
        int keep = Math.max(1, fractionOf(cropRate, n));
        int start = rng.nextInt(n - keep + 1);
        return Arrays.copyOfRange(items, start, start + keep);
    }

    /**
     * A copy with exactly {@code int(maskRate * n)} positions, drawn uniformly without replacement, set to 0
     * (the padding id, as the reference does).
     */
    public int[] mask(int[] items, RandomGenerator rng) {
        int n = items.length;
        int[] out = items.clone();
        int masked = fractionOf(maskRate, n);
        // Partial Fisher-Yates over the positions: the first `masked` entries are a uniform sample.
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) {
            positions[i] = i;
        }
        for (int i = 0; i < masked; i++) {
            int j = i + rng.nextInt(n - i);
            int swap = positions[i];
            positions[i] = positions[j];
            positions[j] = swap;
            out[positions[i]] = PADDING;
        }
        return out;
    }

    /**
     * A copy whose contiguous window of {@code int(reorderRate * n)} items, its start uniform over all possible
     * starts, is shuffled uniformly; everything outside the window is unchanged.
     */
    public int[] reorder(int[] items, RandomGenerator rng) {
        int n = items.length;
        int[] out = items.clone();
        int window = fractionOf(reorderRate, n);
        if (n == 0) {
            return out;
        }
        int start = rng.nextInt(n - window + 1);
        for (int i = window - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int swap = out[start + i];
            out[start + i] = out[start + j];
            out[start + j] = swap;
        }
        return out;
    }

    /** The items of a left-padded row: everything after its leading zeros. */
    public static int[] items(int[] row) {
        int first = 0;
        while (first < row.length && row[first] == PADDING) {
            first++;
        }
        return Arrays.copyOfRange(row, first, row.length);
    }


    /** Python's {@code int(rate * n)}: the floor, for non-negative values. */
    private static int fractionOf(double rate, int n) {
        return (int) Math.floor(rate * n);
    }

    /**
     * The decimal a float rate was written as (0.7f becomes 0.7, not 0.699999988...), so that lengths are the
     * ones Python computes from the same literal: with the raw float, int(0.7f * 10) would be 6, not 7.
     */
    private static double decimal(float rate) {
        return Double.parseDouble(Float.toString(rate));
    }
}
