package io.intentstream.model;

import java.util.SplittableRandom;

/** Small configs and synthetic batches shared by the model tests. */
final class ModelFixtures {

    static final int ITEMS = 30;
    static final int LENGTH = 8;

    private ModelFixtures() {}

    /** A model small enough for hundreds of CPU steps per second, with every part of the objective on. */
    static ElcRecConfig.Builder tiny() {
        return ElcRecConfig.builder(ITEMS)
                .maxSequenceLength(LENGTH)
                .hiddenSize(16)
                .heads(2)
                .layers(2)
                .clusters(4)
                .clusterLossWeight(1f)
                .hiddenDropout(0.2f)
                .attentionDropout(0.2f)
                .device(Device.CPU)
                .seed(7L);
    }

    /**
     * B random user histories over items 1..liveRows, each of random length 2..T+1, as left-padded inputs and
     * targets shifted by one.
     */
    static SequenceBatch randomBatch(int batchSize, int liveRows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] inputs = new int[batchSize][LENGTH];
        int[][] targets = new int[batchSize][LENGTH];
        for (int b = 0; b < batchSize; b++) {
            int length = 1 + random.nextInt(LENGTH);
            int[] history = new int[length + 1];
            for (int i = 0; i <= length; i++) {
                history[i] = 1 + random.nextInt(liveRows);
            }
            for (int i = 0; i < length; i++) {
                inputs[b][LENGTH - length + i] = history[i];
                targets[b][LENGTH - length + i] = history[i + 1];
            }
        }
        return new SequenceBatch(inputs, targets, liveRows);
    }

    /** Left-pads {@code items} to T. */
    static int[] leftPadded(int... items) {
        int[] row = new int[LENGTH];
        System.arraycopy(items, 0, row, LENGTH - items.length, items.length);
        return row;
    }
}
