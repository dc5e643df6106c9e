package io.intentstream.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.intentstream.model.NextItemLossType;
import io.intentstream.model.SequenceBatch;
import io.intentstream.model.cluster.Augmentations;
import io.intentstream.model.tensor.LibtorchOwned;
import java.util.SplittableRandom;

/**
 * Everything a step needs from the host, prepared in Java and packed into one int64 array so that a step
 * crosses to the device exactly once: the input ids, the two views of the sequence contrast (two augmentations of
 * each row, or the row and its positive when the batch has one for it), the flat positions that have a
 * target, the targets there, and the negatives: one per position for the BCE loss, one sample shared by the batch
 * for the sampled softmax.
 */
public final class HostBatch {

    private final int batchSize;
    private final int sequenceLength;
    private final int targetCount;
    private final boolean withViews;
    private final boolean withNegatives;
    private final int sharedNegativeCount;
    private final long[] packed;

    private HostBatch(int batchSize, int sequenceLength, int targetCount, boolean withViews, boolean withNegatives,
            int sharedNegativeCount, long[] packed) {
        this.batchSize = batchSize;
        this.sequenceLength = sequenceLength;
        this.targetCount = targetCount;
        this.withViews = withViews;
        this.withNegatives = withNegatives;
        this.sharedNegativeCount = sharedNegativeCount;
        this.packed = packed;
    }

    /**
     * Draws the views (when {@code augmentations} is not null) and then the negatives from {@code random}, in
     * that order, so the same generator state always gives the same batch.
     *
     * @param lossType SOFTMAX_CE stores target columns (row - 1, the index among rows 1..live) and no negatives;
     *     SAMPLED_SOFTMAX stores target rows and {@code sampledNegatives} rows drawn uniformly from 1..live, or, when
     *     the live rows are no more than that, is prepared as SOFTMAX_CE (the whole catalogue is the better sample)
     * @param sampledNegatives the sample size of SAMPLED_SOFTMAX, ignored by the other losses
     */
    public static HostBatch prepare(SequenceBatch batch, NextItemLossType lossType, int sampledNegatives,
            Augmentations augmentations, SplittableRandom random) {
        int[][] inputs = batch.inputs();
        int[][] targets = batch.targets();
        int b = inputs.length;
        int t = inputs[0].length;
        Augmentations.ViewPair views = augmentations == null ? null
                : withPositives(augmentations.twoViews(inputs, random), inputs, batch.positives());

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
        int live = batch.liveItemRows();
        boolean bce = lossType == NextItemLossType.BCE_ONE_NEGATIVE;
        boolean sampled = lossType == NextItemLossType.SAMPLED_SOFTMAX && live > sampledNegatives;
        long[] negatives = bce ? NegativeSampler.sample(inputs, targets, positions, t, live, random) : null;
        long[] shared = sampled ? random.longs(sampledNegatives, 1, live + 1L).toArray() : new long[0];
        boolean targetsAsRows = bce || sampled;

        int viewLength = views == null ? 0 : 2 * b * t;
        long[] packed = new long[b * t + viewLength + count * (bce ? 3 : 2) + shared.length];
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
            packed[offset++] = targetsAsRows ? row : row - 1;
        }
        if (bce) {
            System.arraycopy(negatives, 0, packed, offset, count);
            offset += count;
        }
        System.arraycopy(shared, 0, packed, offset, shared.length);
        return new HostBatch(b, t, count, views != null, bce, shared.length, packed);
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
     * copied into libtorch-owned memory ({@link LibtorchOwned}): the backward pass reads the ids and targets.
     */
    public DeviceBatch upload(NDManager manager) {
        NDArray all = LibtorchOwned.copyOf(manager.create(packed));
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
        NDArray negatives = null;
        if (withNegatives) {
            negatives = slice(all, offset, targetCount); // (N)
            offset += targetCount;
        }
        NDArray sharedNegatives = sharedNegativeCount > 0 ? slice(all, offset, sharedNegativeCount) : null; // (S)
        return new DeviceBatch(ids, views, positions, targets, negatives, sharedNegatives);
    }

    /**
     * The batch on the device.
     *
     * @param ids (B, T) input rows
     * @param views (2B, T) first views then second views, or null without contrast
     * @param positions (N) flat positions b*T+t that have a target
     * @param targets (N) target rows (BCE, sampled softmax) or target columns row-1 (full softmax)
     * @param negatives (N) negative rows (BCE) or null
     * @param sharedNegatives (S) the batch's negative rows (sampled softmax) or null
     */
    public record DeviceBatch(NDArray ids, NDArray views, NDArray positions, NDArray targets, NDArray negatives,
            NDArray sharedNegatives) {}

    /**
     * The views with every row that has a positive replaced by the pair (its own input, the positive); the
     * augmentations are drawn for every row all the same, so a batch's random draws do not depend on its positives.
     */
    private static Augmentations.ViewPair withPositives(Augmentations.ViewPair views, int[][] inputs, int[][] positives) {
        if (positives == null) {
            return views;
        }
        int[][] first = views.first().clone();
        int[][] second = views.second().clone();
        for (int i = 0; i < positives.length; i++) {
            if (positives[i] != null) {
                first[i] = inputs[i];
                second[i] = positives[i];
            }
        }
        return new Augmentations.ViewPair(first, second);
    }

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
