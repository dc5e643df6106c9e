package io.intentstream.model.training;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Draws the one negative item per target position of the reference's next-item loss: uniform over rows
 * 1..liveItemRows, excluding every row of the user's sequence (its inputs and its targets, as the reference
 * excludes the whole user history).
 */
public final class NegativeSampler {

    /** Rejection tries before falling back to scanning; only matters when the sequence covers most rows. */
    private static final int MAX_REJECTIONS = 64;

    private NegativeSampler() {}

    /**
     * One negative for each listed position.
     *
     * @param positions flat positions {@code b * T + t}, grouped by sample in ascending order
     * @return the negative rows, aligned with {@code positions}. When a sequence covers every live row there
     *     is no valid negative; the draw is then uniform over the live rows, as nothing better exists.
     */
    public static long[] sample(int[][] inputs, int[][] targets, int[] positions, int sequenceLength,
            int liveItemRows, SplittableRandom random) {
        long[] negatives = new long[positions.length];
        int current = -1;
        int[] excluded = new int[0];
        int excludedLive = 0;
        for (int i = 0; i < positions.length; i++) {
            int sample = positions[i] / sequenceLength;
            if (sample != current) {
                current = sample;
                excluded = sortedRows(inputs[sample], targets[sample]);
                excludedLive = countAtMost(excluded, liveItemRows);
            }
            negatives[i] = excludedLive >= liveItemRows
                    ? 1 + random.nextInt(liveItemRows)
                    : draw(excluded, excludedLive, liveItemRows, random);
        }
        return negatives;
    }

    private static int draw(int[] excluded, int excludedLive, int liveItemRows, SplittableRandom random) {
        for (int attempt = 0; attempt < MAX_REJECTIONS; attempt++) {
            int row = 1 + random.nextInt(liveItemRows);
            if (Arrays.binarySearch(excluded, row) < 0) {
                return row;
            }
        }
        // Uniform over the free rows: pick the n-th free row directly.
        int n = random.nextInt(liveItemRows - excludedLive);
        int row = 0;
        for (int k = 0; k <= excludedLive; k++) {
            int nextExcluded = k < excludedLive ? excluded[k] : liveItemRows + 1;
            int freeBefore = nextExcluded - row - 1;
            if (n < freeBefore) {
                return row + 1 + n;
            }
            n -= freeBefore;
            row = nextExcluded;
        }
        throw new IllegalStateException("no free row although " + excludedLive + " < " + liveItemRows);
    }

    private static int[] sortedRows(int[] a, int[] b) {
        int[] all = new int[a.length + b.length];
        int n = 0;
        for (int row : a) {
            if (row > 0) {
                all[n++] = row;
            }
        }
        for (int row : b) {
            if (row > 0) {
                all[n++] = row;
            }
        }
        int[] sorted = Arrays.copyOf(all, n);
        Arrays.sort(sorted);
        int unique = 0;
        for (int i = 0; i < sorted.length; i++) {
            if (i == 0 || sorted[i] != sorted[i - 1]) {
                sorted[unique++] = sorted[i];
            }
        }
        return Arrays.copyOf(sorted, unique);
    }

    private static int countAtMost(int[] sorted, int limit) {
        int index = Arrays.binarySearch(sorted, limit);
        return index >= 0 ? index + 1 : -index - 1;
    }
}
