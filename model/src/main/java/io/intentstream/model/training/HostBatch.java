package io.intentstream.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.intentstream.model.NextItemLossType;
import io.intentstream.model.SequenceBatch;
import io.intentstream.model.cluster.Augmentations;
import java.util.SplittableRandom;

/**
 * Everything a step needs from the host, prepared in Java and packed into one int64 array so that a step
 * crosses to the device exactly once: the input ids, the two augmented views, the flat positions that have a
 * target, the targets there and (for the BCE loss) one negative each.
 */
public final class HostBatch {

    private final int batchSize;
    private final int sequenceLength;
    private final int targetCount;
    private final boolean withViews;
    private final boolean withNegatives;
    private final long[] packed;

    private HostBatch(int batchSize, int sequenceLength, int targetCount, boolean withViews, boolean withNegatives,
            long[] packed) {
        this.batchSize = batchSize;
        this.sequenceLength = sequenceLength;
        this.targetCount = targetCount;
        this.withViews = withViews;
        this.withNegatives = withNegatives;
        this.packed = packed;
    }

    /**
     * Draws the views (when {@code augmentations} is not null) and then the negatives from {@code random}, in
     * that order, so the same generator state always gives the same batch.
     *
     * @param lossType SOFTMAX_CE stores target columns (row - 1, the index among rows 1..live) and no negatives
     */
    public static HostBatch prepare(SequenceBatch batch, NextItemLossType lossType, Augmentations augmentations,
            SplittableRandom random) {
        int[][] inputs = batch.inputs();
        int[][] targets = batch.targets();
        int b = inputs.length;
        int t = inputs[0].length;
        Augmentations.ViewPair views = augmentations == null ? null : augmentations.twoViews(inputs, random);

        int count = 0;
        for (int[] row : targets) {
            for (int target : row) {
                if (target != 0) {
                    count++;
                }
            }
        }
        int[] positions = new int[count];
        int n = 0;
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                if (targets[i][j] != 0) {
                    positions[n++] = i * t + j;
                }
            }
        }
        boolean bce = lossType == NextItemLossType.BCE_ONE_NEGATIVE;
        long[] negatives = bce
                ? NegativeSampler.sample(inputs, targets, positions, t, batch.liveItemRows(), random)
                : null;

        int viewLength = views == null ? 0 : 2 * b * t;
        long[] packed = new long[b * t + viewLength + count * (bce ? 3 : 2)];
        int offset = 0;
        offset = copyRows(inputs, packed, offset);
        if (views != null) {
            offset = copyRows(views.first(), packed, offset);
            offset = copyRows(views.second(), packed, offset);
        }
        for (int p : positions) {
            packed[offset++] = p;
        }
        for (int p : positions) {
            int row = targets[p / t][p % t];
            packed[offset++] = bce ? row : row - 1;
        }
        if (bce) {
            System.arraycopy(negatives, 0, packed, offset, count);
        }
        return new HostBatch(b, t, count, views != null, bce, packed);
    }

    public int batchSize() {
        return batchSize;
    }

    /** Positions with a target (N). */
    public int targetCount() {
        return targetCount;
    }

    /**
     * One host-to-device copy; the returned arrays are views of it, created in the caller's scope. The data is
     * copied into libtorch-owned memory: an array made from Java data aliases a Java buffer that the garbage
     * collector may free while autograd still holds the array (see {@link io.intentstream.model.tensor.Scalars}).
     */
    public DeviceBatch upload(NDManager manager) {
        NDArray all;
        try (NDArray javaBacked = manager.create(packed)) {
            all = javaBacked.duplicate();
        }
        int cells = batchSize * sequenceLength;
        int offset = 0;
        NDArray ids = slice(all, offset, cells).reshape(batchSize, sequenceLength); // (B, T)
        offset += cells;
        NDArray views = null;
        if (withViews) {
            views = slice(all, offset, 2 * cells).reshape(2L * batchSize, sequenceLength); // (2B, T)
            offset += 2 * cells;
        }
        NDArray positions = slice(all, offset, targetCount); // (N)
        offset += targetCount;
        NDArray targets = slice(all, offset, targetCount); // (N)
        offset += targetCount;
        NDArray negatives = withNegatives ? slice(all, offset, targetCount) : null; // (N)
        return new DeviceBatch(ids, views, positions, targets, negatives);
    }

    /**
     * The batch on the device.
     *
     * @param ids (B, T) input rows
     * @param views (2B, T) first views then second views, or null without contrast
     * @param positions (N) flat positions b*T+t that have a target
     * @param targets (N) target rows (BCE) or target columns row-1 (softmax)
     * @param negatives (N) negative rows (BCE) or null
     */
    public record DeviceBatch(NDArray ids, NDArray views, NDArray positions, NDArray targets, NDArray negatives) {}

    private static NDArray slice(NDArray all, int offset, int length) {
        return all.get(new NDIndex("{}:{}", offset, offset + length));
    }

    private static int copyRows(int[][] rows, long[] into, int offset) {
        for (int[] row : rows) {
            for (int value : row) {
                into[offset++] = value;
            }
        }
        return offset;
    }
}
