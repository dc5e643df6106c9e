package io.intentstream.model.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.intentstream.model.NextItemLossType;
import io.intentstream.model.SequenceBatch;
import io.intentstream.model.cluster.Augmentations;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HostBatchTest {

    private static final int LIVE_ROWS = 30;

    /** Two users: [0, 3, 4] -> targets [0, 4, 5] and [1, 2, 3] -> [2, 3, 6]. */
    private static final SequenceBatch BATCH = new SequenceBatch(
            new int[][] {{0, 3, 4}, {1, 2, 3}}, new int[][] {{0, 4, 5}, {2, 3, 6}}, LIVE_ROWS);

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void sampledSoftmaxCarriesTargetRowsAndOneSampleOfLiveRowsForTheWholeBatch() {
        HostBatch host = HostBatch.prepare(BATCH, NextItemLossType.SAMPLED_SOFTMAX, 12, null, new SplittableRandom(3));

        HostBatch.DeviceBatch device = host.upload(manager);

        assertThat(device.targets().toLongArray()).containsExactly(4, 5, 2, 3, 6);
        assertThat(device.negatives()).isNull();
        long[] sample = device.sharedNegatives().toLongArray();
        assertThat(sample).hasSize(12);
        assertThat(Arrays.stream(sample).allMatch(row -> row >= 1 && row <= LIVE_ROWS)).as("rows of %s", sample)
                .isTrue();
        assertThat(Arrays.stream(sample).distinct().count()).as("a sample, not one row repeated").isGreaterThan(6);
    }

    @Test
    void sampledSoftmaxScoresACatalogueNoLargerThanItsSampleInFull() {
        HostBatch host = HostBatch.prepare(BATCH, NextItemLossType.SAMPLED_SOFTMAX, LIVE_ROWS, null,
                new SplittableRandom(3));

        HostBatch.DeviceBatch device = host.upload(manager);

        assertThat(device.sharedNegatives()).isNull();
        assertThat(device.targets().toLongArray()).as("columns among rows 1..live, as SOFTMAX_CE")
                .containsExactly(3, 4, 1, 2, 5);
    }

    @Test
    void theSameGeneratorStateDrawsTheSameSample() {
        long[] first = HostBatch.prepare(BATCH, NextItemLossType.SAMPLED_SOFTMAX, 12, null, new SplittableRandom(8))
                .upload(manager).sharedNegatives().toLongArray();
        long[] second = HostBatch.prepare(BATCH, NextItemLossType.SAMPLED_SOFTMAX, 12, null, new SplittableRandom(8))
                .upload(manager).sharedNegatives().toLongArray();

        assertThat(second).containsExactly(first);
    }

    @Test
    void aRowWithAPositiveIsContrastedWithItAndTheOthersKeepTheirAugmentations() {
        Augmentations augmentations = new Augmentations(0.6f, 0.3f, 0.6f);
        int[][] positives = {null, {0, 7, 8}};
        SequenceBatch withPositive = new SequenceBatch(BATCH.inputs(), BATCH.targets(), LIVE_ROWS, positives);

        long[] views = viewsOf(HostBatch.prepare(withPositive, NextItemLossType.SOFTMAX_CE, 0, augmentations,
                new SplittableRandom(5)));
        long[] augmented = viewsOf(HostBatch.prepare(BATCH, NextItemLossType.SOFTMAX_CE, 0, augmentations,
                new SplittableRandom(5)));

        // Rows: first views of users 0 and 1, then second views of users 0 and 1.
        assertThat(Arrays.copyOfRange(views, 0, 3)).as("user 0's first view").containsExactly(
                Arrays.copyOfRange(augmented, 0, 3));
        assertThat(Arrays.copyOfRange(views, 6, 9)).as("user 0's second view").containsExactly(
                Arrays.copyOfRange(augmented, 6, 9));
        assertThat(Arrays.copyOfRange(views, 3, 6)).as("user 1's own input").containsExactly(1, 2, 3);
        assertThat(Arrays.copyOfRange(views, 9, 12)).as("user 1's positive").containsExactly(0, 7, 8);
    }

    private long[] viewsOf(HostBatch host) {
        return host.upload(manager).views().toLongArray();
    }
}
