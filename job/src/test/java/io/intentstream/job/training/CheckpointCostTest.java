package io.intentstream.job.training;

import io.intentstream.avro.IntentAssignment;
import io.intentstream.job.history.SequenceEvent;
import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What checkpointing a Beauty-sized model costs (12,103 item rows, d 64, k 256, T 50): encoding it on the operator
 * thread at a checkpoint, and restoring it (decode, rebuild the network and Adam state, verify the checksum) when
 * the job restarts. Logs the figures; asserts the restore is exact and that an unchanged model is not encoded
 * twice.
 */
class CheckpointCostTest {

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointCostTest.class);

    private static final int BEAUTY_ITEMS = 12_103;
    /** Scoring a batch scores every item row for every event: keep that matrix near 100 MB. */
    private static final int BATCH = 2_048;
    /** The harness keeps checkpoints in memory, limited to 5 MB by default; this model's state is about 10 MB. */
    private static final int STATE_LIMIT = 64 * 1024 * 1024;

    @Test
    void aBeautySizedModelCheckpointsAndRestoresExactly() throws Exception {
        ElcRecConfig beauty = ElcRecConfig.preset("beauty", BEAUTY_ITEMS).toBuilder().device(Device.CPU).build();
        List<SequenceEvent> fillIndex = new ArrayList<>(BEAUTY_ITEMS);
        for (int i = 0; i < BEAUTY_ITEMS; i++) {
            // No history: the events only give every row an item (no training step, a cheap scoring pass).
            fillIndex.add(new SequenceEvent("e" + i, "u" + i, "item-" + i, 1_704_067_200_000L + i, new long[0]));
        }
        var harness = new OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment>(
                new IntentTrainingOperator(beauty, BATCH, Duration.ofHours(1), Duration.ofDays(1), 10, 256));
        OperatorSubtaskState checkpoint;
        long checksum;
        try (harness) {
            harness.setCheckpointStorage(new JobManagerCheckpointStorage(STATE_LIMIT));
            harness.setup();
            harness.open();
            for (SequenceEvent event : fillIndex) {
                harness.processElement(new StreamRecord<>(event, event.eventTime));
            }
            harness.processWatermark(Long.MAX_VALUE); // flushes the last, partial batch
            assertThat(harness.extractOutputValues()).hasSize(BEAUTY_ITEMS);

            long start = System.nanoTime();
            checkpoint = harness.snapshot(1L, 1L);
            double firstMillis = (System.nanoTime() - start) / 1e6;
            start = System.nanoTime();
            harness.snapshot(2L, 2L);
            double unchangedMillis = (System.nanoTime() - start) / 1e6;

            try (OnlineTrainer trainer = OnlineTrainer.create(beauty, 256)) {
                for (int from = 0; from < BEAUTY_ITEMS; from += BATCH) {
                    trainer.process(fillIndex.subList(from, Math.min(BEAUTY_ITEMS, from + BATCH)), 10, Instant.EPOCH);
                }
                start = System.nanoTime();
                byte[] bytes = trainer.snapshot();
                double encodeMillis = (System.nanoTime() - start) / 1e6;
                checksum = trainer.checksum();
                start = System.nanoTime();
                try (OnlineTrainer restored = OnlineTrainer.restore(bytes, List.of(), 256)) {
                    double restoreMillis = (System.nanoTime() - start) / 1e6;
                    assertThat(restored.checksum()).isEqualTo(checksum);
                    assertThat(restored.itemIndex().size()).isEqualTo(BEAUTY_ITEMS);
                    LOG.info("Beauty-sized model ({} items, d {}, k {}): snapshot {} MB; encode {} ms; restore "
                                    + "(decode + network + Adam state) {} ms; operator checkpoint {} ms, again "
                                    + "unchanged {} ms",
                            BEAUTY_ITEMS, beauty.hiddenSize(), beauty.clusters(),
                            String.format("%.1f", bytes.length / 1e6), Math.round(encodeMillis),
                            Math.round(restoreMillis), Math.round(firstMillis), Math.round(unchangedMillis));
                }
            }
        }

        var restoredHarness = new OneInputStreamOperatorTestHarness<SequenceEvent, IntentAssignment>(
                new IntentTrainingOperator(beauty, BATCH, Duration.ofHours(1), Duration.ofDays(1), 10, 256));
        try (restoredHarness) {
            restoredHarness.setCheckpointStorage(new JobManagerCheckpointStorage(STATE_LIMIT));
            restoredHarness.setup();
            long start = System.nanoTime();
            restoredHarness.initializeState(checkpoint);
            double initializeMillis = (System.nanoTime() - start) / 1e6;
            restoredHarness.open();
            restoredHarness.endInput();
            LOG.info("Operator restore from the checkpoint (state read, model restored, checksum verified): {} ms",
                    Math.round(initializeMillis));
        }
    }
}
