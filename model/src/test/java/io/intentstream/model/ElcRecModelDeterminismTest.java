package io.intentstream.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Same seed and inputs give the same model; a restored snapshot continues exactly where it was taken. */
class ElcRecModelDeterminismTest {

    private static final int STEPS = 8;

    /** SAMPLED_SOFTMAX draws its negatives from the step's generator too: a resumed run must draw the same. */
    @ParameterizedTest
    @EnumSource(NextItemLossType.class)
    void restoredSnapshotContinuesBitExactly(NextItemLossType lossType) {
        ElcRecConfig config = ModelFixtures.tiny().nextItemLoss(lossType).sampledNegatives(7).build();
        List<SequenceBatch> batches = batches(STEPS, config.itemCount());

        ModelSnapshot straight;
        List<LossParts> straightLosses = new ArrayList<>();
        try (ElcRecModel model = ElcRecModel.create(config)) {
            model.initialiseCentres(inputsOf(batches));
            for (SequenceBatch batch : batches) {
                straightLosses.add(model.trainStep(batch).loss());
            }
            straight = model.snapshot();
        }

        byte[] halfway;
        try (ElcRecModel model = ElcRecModel.create(config)) {
            model.initialiseCentres(inputsOf(batches));
            for (SequenceBatch batch : batches.subList(0, STEPS / 2)) {
                model.trainStep(batch);
            }
            halfway = model.snapshot().toBytes();
        }
        ModelSnapshot resumed;
        List<LossParts> resumedLosses = new ArrayList<>();
        try (ElcRecModel model = ElcRecModel.restore(ModelSnapshot.fromBytes(halfway))) {
            assertThat(model.version()).isEqualTo(STEPS / 2);
            assertThat(model.centresInitialised()).isTrue();
            for (SequenceBatch batch : batches.subList(STEPS / 2, STEPS)) {
                resumedLosses.add(model.trainStep(batch).loss());
            }
            resumed = model.snapshot();
        }

        assertThat(resumedLosses).containsExactlyElementsOf(straightLosses.subList(STEPS / 2, STEPS));
        assertThat(resumed.parameters()).isEqualTo(straight.parameters());
        assertThat(resumed.optimizerState()).isEqualTo(straight.optimizerState());
        assertThat(resumed.rngState()).isEqualTo(straight.rngState());
        assertThat(resumed.checksum()).isEqualTo(straight.checksum());
        assertThat(resumed).isEqualTo(straight);
    }

    @Test
    void twoFreshModelsWithTheSameSeedTrainToIdenticalParameters() {
        ElcRecConfig config = ModelFixtures.tiny().build();
        List<SequenceBatch> batches = batches(STEPS, config.itemCount());
        ModelSnapshot first = train(config, batches);
        ModelSnapshot second = train(config, batches);
        assertThat(second.parameters()).isEqualTo(first.parameters());
        assertThat(second.optimizerState()).isEqualTo(first.optimizerState());
        assertThat(second.version()).isEqualTo(STEPS);
    }

    @Test
    void identicalRunsAgreeBitExactlyAtSizesWhereLibtorchAddsInParallel() {
        // Gradients of row gathers reach 32,768 elements here, where libtorch's CPU kernels switch to parallel
        // accumulation: the sizes at which a nondeterministic kernel would show.
        ElcRecConfig config = ElcRecConfig.builder(2000).maxSequenceLength(20).hiddenSize(64).clusters(16)
                .device(Device.CPU).seed(3L).build();
        List<SequenceBatch> batches = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            batches.add(longBatch(64, 20, config.itemCount(), i));
        }
        ModelSnapshot first = train(config, batches);
        ModelSnapshot second = train(config, batches);
        assertThat(second.checksum()).isEqualTo(first.checksum());
        assertThat(second.parameters()).isEqualTo(first.parameters());
    }

    @Test
    void differentSeedsTrainToDifferentParameters() {
        ElcRecConfig config = ModelFixtures.tiny().build();
        List<SequenceBatch> batches = batches(2, config.itemCount());
        ModelSnapshot first = train(config, batches);
        ModelSnapshot second = train(config.toBuilder().seed(config.seed() + 1).build(), batches);
        assertThat(second.checksum()).isNotEqualTo(first.checksum());
    }

    @Test
    void snapshotRoundTripsThroughBytes() {
        ElcRecConfig config = ModelFixtures.tiny().nextItemLoss(NextItemLossType.SOFTMAX_CE).build();
        ModelSnapshot snapshot = train(config, batches(3, config.itemCount()));
        ModelSnapshot decoded = ModelSnapshot.fromBytes(snapshot.toBytes());
        assertThat(decoded).isEqualTo(snapshot);
        try (ElcRecModel restored = ElcRecModel.restore(decoded)) {
            assertThat(restored.snapshot()).isEqualTo(snapshot);
            assertThat(restored.config()).isEqualTo(config);
        }
    }

    @Test
    void restoreRejectsASnapshotOfADifferentArchitecture() {
        ModelSnapshot twoLayers = train(ModelFixtures.tiny().build(), batches(1, ModelFixtures.ITEMS));
        ElcRecConfig oneLayer = ModelFixtures.tiny().layers(1).build();
        ModelSnapshot mismatched = new ModelSnapshot(oneLayer, twoLayers.version(), twoLayers.stepCount(),
                false, twoLayers.parameters(), twoLayers.optimizerState(), new byte[0], twoLayers.rngState(),
                new byte[0]);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ElcRecModel.restore(mismatched))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("parameters");
    }

    @Test
    void rowResetsAreReproducibleAcrossRestore() {
        ElcRecConfig config = ModelFixtures.tiny().build();
        List<SequenceBatch> batches = batches(4, config.itemCount());
        ModelSnapshot first = trainWithReset(config, batches);
        ModelSnapshot second = trainWithReset(config, batches);
        assertThat(second).isEqualTo(first);
    }

    private static ModelSnapshot trainWithReset(ElcRecConfig config, List<SequenceBatch> batches) {
        try (ElcRecModel model = ElcRecModel.create(config)) {
            model.trainStep(batches.get(0));
            model.trainStep(batches.get(1));
            model.resetItemRows(new int[] {3, 17});
            byte[] restartedAt = model.snapshot().toBytes();
            try (ElcRecModel restored = ElcRecModel.restore(ModelSnapshot.fromBytes(restartedAt))) {
                model.trainStep(batches.get(2));
                model.trainStep(batches.get(3));
                restored.trainStep(batches.get(2));
                restored.trainStep(batches.get(3));
                assertThat(restored.snapshot()).isEqualTo(model.snapshot());
            }
            return model.snapshot();
        }
    }

    private static ModelSnapshot train(ElcRecConfig config, List<SequenceBatch> batches) {
        try (ElcRecModel model = ElcRecModel.create(config)) {
            for (SequenceBatch batch : batches) {
                model.trainStep(batch);
            }
            return model.snapshot();
        }
    }

    static List<SequenceBatch> batches(int count, int liveRows) {
        List<SequenceBatch> batches = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batches.add(ModelFixtures.randomBatch(12, liveRows, 100 + i));
        }
        return batches;
    }

    /** Full-length histories: every position has a target. */
    private static SequenceBatch longBatch(int size, int length, int items, long seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        int[][] inputs = new int[size][length];
        int[][] targets = new int[size][length];
        for (int b = 0; b < size; b++) {
            int previous = 1 + random.nextInt(items);
            for (int t = 0; t < length; t++) {
                inputs[b][t] = previous;
                previous = 1 + random.nextInt(items);
                targets[b][t] = previous;
            }
        }
        return new SequenceBatch(inputs, targets, items);
    }

    private static int[][] inputsOf(List<SequenceBatch> batches) {
        return batches.stream().flatMap(b -> java.util.Arrays.stream(b.inputs())).toArray(int[][]::new);
    }
}
