package io.intentstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A model with {@link ElcRecConfig#weightAverageDecay()} trains its raw weights as before, keeps their exponential
 * moving average, scores with the average, and carries it through snapshots bit-exactly.
 */
class WeightAveragingTest {

    private static final float DECAY = 0.9f;
    private static final int STEPS = 12;
    private static final String ITEM_TABLE = "item_embedding";

    @Test
    void theAverageIsTheMovingAverageOfTheRawWeightsAfterEveryStep() {
        ElcRecConfig config = ModelFixtures.tiny().weightAverageDecay(DECAY).build();
        List<SequenceBatch> batches = ElcRecModelDeterminismTest.batches(STEPS, config.itemCount());
        try (ElcRecModel model = ElcRecModel.create(config)) {
            float[] expected = itemTable(SnapshotArrays.parameters(model.snapshot()));
            assertThat(itemTable(SnapshotArrays.averagedParameters(model.snapshot()))).containsExactly(expected);
            for (int step = 1; step <= STEPS; step++) {
                model.trainStep(batches.get(step - 1));
                ModelSnapshot snapshot = model.snapshot();
                float[] raw = itemTable(SnapshotArrays.parameters(snapshot));
                double decay = Math.min(DECAY, (1.0 + step) / (10.0 + step));
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = (float) (decay * expected[i] + (1 - decay) * raw[i]);
                }
                float[] averaged = itemTable(SnapshotArrays.averagedParameters(snapshot));
                for (int i = 0; i < expected.length; i++) {
                    assertThat(averaged[i]).as("step %d, element %d", step, i)
                            .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-6f));
                }
                assertThat(averaged).as("step %d: the average lags the raw weights", step).isNotEqualTo(raw);
            }
        }
    }

    @Test
    void scoresIntentsAndCentresComeFromTheAverage() {
        ElcRecConfig config = ModelFixtures.tiny().weightAverageDecay(DECAY).build();
        int[][] windows = ModelFixtures.randomBatch(10, ModelFixtures.ITEMS, 5).inputs();
        try (ElcRecModel averaging = ElcRecModel.create(config)) {
            averaging.initialiseCentres(windows);
            for (SequenceBatch batch : ElcRecModelDeterminismTest.batches(STEPS, config.itemCount())) {
                averaging.trainStep(batch);
            }
            ModelSnapshot snapshot = averaging.snapshot();
            // The same network holding the averaged values as its raw weights must score identically.
            ModelSnapshot averageAsRaw = new ModelSnapshot(config.toBuilder().weightAverageDecay(0).build(),
                    snapshot.version(), snapshot.stepCount(), true, snapshot.averagedParameters(),
                    snapshot.optimizerState(), new byte[0], snapshot.rngState(), new byte[0]);
            ModelSnapshot rawOnly = new ModelSnapshot(averageAsRaw.config(), snapshot.version(), snapshot.stepCount(),
                    true, snapshot.parameters(), snapshot.optimizerState(), new byte[0], snapshot.rngState(),
                    new byte[0]);
            try (ElcRecModel average = ElcRecModel.restore(averageAsRaw);
                    ElcRecModel raw = ElcRecModel.restore(rawOnly)) {
                assertThat(averaging.itemScores(windows)).isDeepEqualTo(average.itemScores(windows));
                assertThat(java.util.Arrays.deepEquals(averaging.itemScores(windows), raw.itemScores(windows)))
                        .as("the raw weights score otherwise").isFalse();
                Scores expected = average.score(windows, 5, ModelFixtures.ITEMS);
                Scores actual = averaging.score(windows, 5, ModelFixtures.ITEMS);
                assertThat(actual.topItems()).isDeepEqualTo(expected.topItems());
                assertThat(actual.cluster()).containsExactly(expected.cluster());
                assertThat(actual.embeddings()).isDeepEqualTo(expected.embeddings());
                assertThat(averaging.centres()).isDeepEqualTo(average.centres());
            }
        }
    }

    @Test
    void averagedCentresStayUnitRowsAndRestartWithKMeans() {
        ElcRecConfig config = ModelFixtures.tiny().weightAverageDecay(DECAY).build();
        List<SequenceBatch> batches = ElcRecModelDeterminismTest.batches(STEPS, config.itemCount());
        try (ElcRecModel model = ElcRecModel.create(config)) {
            model.trainStep(batches.get(0));
            model.initialiseCentres(batches.get(1).inputs());
            ModelSnapshot initialised = model.snapshot();
            assertThat(centres(SnapshotArrays.averagedParameters(initialised)))
                    .containsExactly(centres(SnapshotArrays.parameters(initialised)));
            for (SequenceBatch batch : batches.subList(2, STEPS)) {
                model.trainStep(batch);
            }
            for (float[] centre : model.centres()) {
                double norm = 0;
                for (float x : centre) {
                    norm += x * x;
                }
                assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    @Test
    void aRestoredSnapshotContinuesTheAverageBitExactly() {
        ElcRecConfig config = ModelFixtures.tiny().weightAverageDecay(DECAY).build();
        List<SequenceBatch> batches = ElcRecModelDeterminismTest.batches(STEPS, config.itemCount());
        ModelSnapshot straight;
        try (ElcRecModel model = ElcRecModel.create(config)) {
            for (SequenceBatch batch : batches) {
                model.trainStep(batch);
            }
            straight = model.snapshot();
        }
        byte[] halfway;
        try (ElcRecModel model = ElcRecModel.create(config)) {
            for (SequenceBatch batch : batches.subList(0, STEPS / 2)) {
                model.trainStep(batch);
            }
            halfway = model.encodedSnapshot(new byte[0]).bytes();
        }
        try (ElcRecModel resumed = ElcRecModel.restore(ModelSnapshot.fromBytes(halfway))) {
            for (SequenceBatch batch : batches.subList(STEPS / 2, STEPS)) {
                resumed.trainStep(batch);
            }
            ModelSnapshot continued = resumed.snapshot();
            assertThat(continued.averagedParameters()).isNotEmpty().isEqualTo(straight.averagedParameters());
            assertThat(continued).isEqualTo(straight);
            assertThat(continued.checksum()).isEqualTo(straight.checksum());
        }
    }

    @Test
    void itemRowResetsReachTheAverage() {
        ElcRecConfig config = ModelFixtures.tiny().weightAverageDecay(DECAY).build();
        try (ElcRecModel model = ElcRecModel.create(config)) {
            for (SequenceBatch batch : ElcRecModelDeterminismTest.batches(3, config.itemCount())) {
                model.trainStep(batch);
            }
            model.resetItemRows(new int[] {4});
            ModelSnapshot snapshot = model.snapshot();
            int d = config.hiddenSize();
            float[] raw = itemTable(SnapshotArrays.parameters(snapshot));
            float[] averaged = itemTable(SnapshotArrays.averagedParameters(snapshot));
            assertThat(java.util.Arrays.copyOfRange(averaged, 4 * d, 5 * d))
                    .containsExactly(java.util.Arrays.copyOfRange(raw, 4 * d, 5 * d));
            assertThat(java.util.Arrays.copyOfRange(averaged, 5 * d, 6 * d))
                    .isNotEqualTo(java.util.Arrays.copyOfRange(raw, 5 * d, 6 * d));
        }
    }

    @Test
    void aScoringSnapshotCarriesTheAverageAsTheParametersItScoresWith() {
        ElcRecConfig config = ModelFixtures.tiny().weightAverageDecay(DECAY).build();
        int[][] windows = ModelFixtures.randomBatch(10, ModelFixtures.ITEMS, 6).inputs();
        try (ElcRecModel trainer = ElcRecModel.create(config);
                ElcRecModel scorer = ElcRecModel.create(config.toBuilder().seed(99L).build())) {
            for (SequenceBatch batch : ElcRecModelDeterminismTest.batches(4, config.itemCount())) {
                trainer.trainStep(batch);
            }
            ModelSnapshot update = ModelSnapshot.fromBytes(trainer.encodedScoringSnapshot(new byte[0]).bytes());
            assertThat(update.optimizerState()).isEmpty();
            assertThat(update.averagedParameters()).isEmpty();
            assertThat(update.parameters()).isEqualTo(trainer.snapshot().averagedParameters());
            scorer.loadScoringSnapshot(update);
            assertThat(scorer.itemScores(windows)).isDeepEqualTo(trainer.itemScores(windows));
        }
    }

    @Test
    void withoutAveragingASnapshotHoldsNoAverageAndServesItsParameters() {
        try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().build())) {
            model.trainStep(ModelFixtures.randomBatch(8, ModelFixtures.ITEMS, 1));
            ModelSnapshot snapshot = model.snapshot();
            assertThat(snapshot.averagedParameters()).isEmpty();
            assertThat(snapshot.servingParameters()).isSameAs(snapshot.parameters());
        }
    }

    @Test
    void aSnapshotInTheFormatBeforeAveragingIsRestoredAsAModelWithoutIt() throws IOException {
        ModelSnapshot current;
        float[][] scores;
        int[][] windows = ModelFixtures.randomBatch(6, ModelFixtures.ITEMS, 2).inputs();
        try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().build())) {
            model.trainStep(ModelFixtures.randomBatch(8, ModelFixtures.ITEMS, 1));
            current = model.snapshot();
            scores = model.itemScores(windows);
        }
        ModelSnapshot old = ModelSnapshot.fromBytes(formatOne(current));
        assertThat(old).isEqualTo(current);
        try (ElcRecModel restored = ElcRecModel.restore(old)) {
            assertThat(restored.itemScores(windows)).isDeepEqualTo(scores);
        }
    }

    @Test
    void restoreRefusesASnapshotWhoseAverageDisagreesWithItsConfig() {
        try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().weightAverageDecay(DECAY).build())) {
            ModelSnapshot s = model.snapshot();
            ModelSnapshot withoutAverage = new ModelSnapshot(s.config(), s.version(), s.stepCount(),
                    s.centresInitialised(), s.parameters(), s.optimizerState(), new byte[0], s.rngState(),
                    s.itemIndex());
            assertThatThrownBy(() -> ElcRecModel.restore(withoutAverage))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("lacks averaged parameters");
        }
        assertThatThrownBy(() -> ModelFixtures.tiny().weightAverageDecay(1f).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weightAverageDecay must be in [0,1)");
    }

    /** The encoding snapshots had before averaging existed (format 1: no average block). */
    private static byte[] formatOne(ModelSnapshot s) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(1);
            ByteArrayOutputStream config = new ByteArrayOutputStream();
            try (ObjectOutputStream objects = new ObjectOutputStream(config)) {
                objects.writeObject(s.config());
            }
            for (byte[] block : new byte[][] {config.toByteArray()}) {
                out.writeInt(block.length);
                out.write(block);
            }
            out.writeLong(s.version());
            out.writeLong(s.stepCount());
            out.writeBoolean(s.centresInitialised());
            for (byte[] block : new byte[][] {s.parameters(), s.optimizerState(), s.rngState(), s.itemIndex()}) {
                out.writeInt(block.length);
                out.write(block);
            }
        }
        return bytes.toByteArray();
    }

    private static float[] itemTable(Map<String, float[]> parameters) {
        return parameterEndingWith(parameters, ITEM_TABLE);
    }

    private static float[] centres(Map<String, float[]> parameters) {
        return parameterEndingWith(parameters, "centres");
    }

    private static float[] parameterEndingWith(Map<String, float[]> parameters, String suffix) {
        return parameters.entrySet().stream().filter(e -> e.getKey().endsWith(suffix)).map(Map.Entry::getValue)
                .findFirst().orElseThrow(() -> new AssertionError("no parameter ending with " + suffix
                        + " in " + parameters.keySet()));
    }
}
