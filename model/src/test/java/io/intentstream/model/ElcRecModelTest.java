package io.intentstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.index.NDIndex;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ElcRecModelTest {

    private static final String ITEM_TABLE = "01encoder_01embedding_item_embedding";
    private static final String CENTRES = "centres";

    @Test
    void scoreNeverReturnsInputRowsPaddingMaskOrRowsAboveTheLiveRange() {
        int live = 20;
        try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().build())) {
            for (int i = 0; i < 5; i++) {
                model.trainStep(ModelFixtures.randomBatch(16, live, i));
            }
            int[][] inputs = ModelFixtures.randomBatch(40, live, 99).inputs();
            inputs[0] = ModelFixtures.leftPadded(1, 2, 3, 4, 5, 6, 7, 8);
            inputs[1] = new int[ModelFixtures.LENGTH];
            inputs[2] = ModelFixtures.leftPadded(ModelFixtures.ITEMS + 1, 25, 30); // mask id and rows above live

            Scores scores = model.score(inputs, 10, live);

            for (int b = 0; b < inputs.length; b++) {
                Set<Integer> own = new HashSet<>();
                Arrays.stream(inputs[b]).forEach(own::add);
                assertThat(scores.topItems()[b]).as("sample %d", b).hasSize(10).doesNotHaveDuplicates();
                assertThat(Arrays.stream(scores.topItems()[b]).boxed())
                        .allSatisfy(row -> assertThat(row).isBetween(1, live));
                for (int row : scores.topItems()[b]) {
                    assertThat(own).as("sample %d's own rows", b).doesNotContain(row);
                }
                float[] top = scores.topScores()[b];
                for (int r = 1; r < top.length; r++) {
                    assertThat(top[r]).isLessThanOrEqualTo(top[r - 1]);
                }
                assertThat(scores.cluster()[b]).isBetween(0, 3);
                assertThat(scores.runnerUp()[b]).isBetween(0, 3).isNotEqualTo(scores.cluster()[b]);
                assertThat(scores.clusterDistance()[b]).isBetween(0f, 4f)
                        .isLessThanOrEqualTo(scores.runnerUpDistance()[b]);
                assertThat(scores.embeddings()[b]).hasSize(16);
            }
            assertThat(scores.modelVersion()).isEqualTo(5);
        }
    }

    @Test
    void scoreReturnsFewerItemsWhenTheInputCoversMostCandidates() {
        try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().build())) {
            int[][] inputs = {ModelFixtures.leftPadded(1, 2, 3, 4, 5, 6, 7, 8)};
            Scores scores = model.score(inputs, 5, 10);
            assertThat(scores.topItems()[0]).containsExactlyInAnyOrder(9, 10);
        }
    }

    @Test
    void scoreAgreesWithItemScoresOnTheCandidates() {
        try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().build())) {
            model.trainStep(ModelFixtures.randomBatch(16, ModelFixtures.ITEMS, 1));
            int[][] inputs = ModelFixtures.randomBatch(3, ModelFixtures.ITEMS, 2).inputs();
            float[][] raw = model.itemScores(inputs);
            Scores scores = model.score(inputs, 4, ModelFixtures.ITEMS);
            assertThat(raw).hasDimensions(3, ModelFixtures.ITEMS + 2);
            for (int b = 0; b < 3; b++) {
                for (int r = 0; r < 4; r++) {
                    assertThat(scores.topScores()[b][r]).isCloseTo(raw[b][scores.topItems()[b][r]], within(1e-5f));
                }
            }
        }
    }

    @Test
    void intentsAreTheClustersScoreAssigns() {
        try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().build())) {
            int[][] inputs = ModelFixtures.randomBatch(40, ModelFixtures.ITEMS, 3).inputs();
            model.initialiseCentres(inputs);
            model.trainStep(ModelFixtures.randomBatch(16, ModelFixtures.ITEMS, 1));

            int[] intents = model.intents(inputs);

            assertThat(intents).containsExactly(model.score(inputs, 1, ModelFixtures.ITEMS).cluster());
            assertThat(Arrays.stream(intents).distinct().count()).as("more than one intent").isGreaterThan(1);
        }
    }

    @Test
    void trainStepAdvancesTheVersionAndNeverMovesThePaddingRow() {
        try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().build())) {
            float[] paddingBefore = row(model.snapshot(), ITEM_TABLE, 0);
            float[] itemBefore = row(model.snapshot(), ITEM_TABLE, 1);
            for (int i = 0; i < 3; i++) {
                TrainStepResult result = model.trainStep(ModelFixtures.randomBatch(16, ModelFixtures.ITEMS, i));
                assertThat(result.skipped()).isFalse();
                assertThat(result.modelVersion()).isEqualTo(i + 1);
                assertThat(result.loss().total()).isCloseTo(result.loss().nextItem() + result.loss().sequenceContrast()
                        + result.loss().intentContrast() + result.loss().cluster(), within(1e-4f));
                assertThat(result.loss().sequenceContrast()).isPositive();
                assertThat(result.loss().intentContrast()).isPositive();
            }
            assertThat(model.version()).isEqualTo(3);
            assertThat(row(model.snapshot(), ITEM_TABLE, 0)).containsExactly(paddingBefore);
            assertThat(row(model.snapshot(), ITEM_TABLE, 1)).isNotEqualTo(itemBefore);
        }
    }

    @Test
    void centresStayUntouchedWhenNeitherContrastNorClusterLossIsOn() {
        ElcRecConfig config = ModelFixtures.tiny().contrastEnabled(false).clusterLossEnabled(false).build();
        try (ElcRecModel model = ElcRecModel.create(config)) {
            float[] before = SnapshotArrays.parameters(model.snapshot()).get(CENTRES);
            TrainStepResult result = model.trainStep(ModelFixtures.randomBatch(16, ModelFixtures.ITEMS, 3));
            assertThat(result.loss().sequenceContrast()).isZero();
            assertThat(result.loss().cluster()).isZero();
            assertThat(SnapshotArrays.parameters(model.snapshot()).get(CENTRES))
                    .containsExactly(before);
        }
    }

    @Test
    void nonFiniteLossSkipsTheUpdateAndKeepsTheVersion() {
        ModelSnapshot poisoned;
        try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().build())) {
            model.trainStep(ModelFixtures.randomBatch(8, ModelFixtures.ITEMS, 1));
            poisoned = SnapshotArrays.withParameters(model.snapshot(), (name, values) -> {
                if (name.equals(ITEM_TABLE)) {
                    float[] copy = values.clone();
                    Arrays.fill(copy, Float.NaN);
                    return copy;
                }
                return values;
            });
        }
        try (ElcRecModel model = ElcRecModel.restore(poisoned)) {
            TrainStepResult result = model.trainStep(ModelFixtures.randomBatch(8, ModelFixtures.ITEMS, 2));
            assertThat(result.skipped()).isTrue();
            assertThat(result.modelVersion()).isEqualTo(1);
            assertThat(model.version()).isEqualTo(1);
            ModelSnapshot after = model.snapshot();
            assertThat(after.parameters()).isEqualTo(poisoned.parameters());
            assertThat(after.optimizerState()).isEqualTo(poisoned.optimizerState());
        }
    }

    @Test
    void aNonFiniteGradientWithAFiniteLossSkipsTheUpdateAndKeepsTheVersion() {
        // A finite loss whose backward pass overflowed (inf, then inf - inf = NaN) is hard to provoke on demand in
        // a tiny model, so the test writes the overflow into one gradient entry after the real backward pass.
        for (float corrupt : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().build())) {
                model.trainStep(ModelFixtures.randomBatch(8, ModelFixtures.ITEMS, 1));
                ModelSnapshot before = model.snapshot();
                TrainStepResult result = model.trainStep(ModelFixtures.randomBatch(8, ModelFixtures.ITEMS, 2),
                        gradients -> gradients.get(gradients.size() - 1).set(new NDIndex("0"), corrupt));
                assertThat(result.loss().total()).as("the loss itself is finite").isFinite();
                assertThat(result.skipped()).as("gradient holding %s", corrupt).isTrue();
                assertThat(result.modelVersion()).isEqualTo(1);
                assertThat(model.version()).isEqualTo(1);
                ModelSnapshot after = model.snapshot();
                assertThat(after.parameters()).isEqualTo(before.parameters());
                assertThat(after.optimizerState()).isEqualTo(before.optimizerState());

                TrainStepResult next = model.trainStep(ModelFixtures.randomBatch(8, ModelFixtures.ITEMS, 3));
                assertThat(next.skipped()).as("the corrupted gradient does not outlive its step").isFalse();
                assertThat(next.modelVersion()).isEqualTo(2);
            }
        }
    }

    @Test
    void resetItemRowsRedrawsOnlyThoseRowsAndZeroesTheirMoments() {
        try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().build())) {
            model.trainStep(ModelFixtures.randomBatch(16, ModelFixtures.ITEMS, 1));
            ModelSnapshot before = model.snapshot();
            model.resetItemRows(new int[] {4, 9});
            ModelSnapshot after = model.snapshot();

            int d = 16;
            float[] tableBefore = SnapshotArrays.parameters(before).get(ITEM_TABLE);
            float[] tableAfter = SnapshotArrays.parameters(after).get(ITEM_TABLE);
            for (int r = 0; r < ModelFixtures.ITEMS + 2; r++) {
                float[] was = Arrays.copyOfRange(tableBefore, r * d, (r + 1) * d);
                float[] now = Arrays.copyOfRange(tableAfter, r * d, (r + 1) * d);
                if (r == 4 || r == 9) {
                    assertThat(now).as("row %d", r).isNotEqualTo(was);
                } else {
                    assertThat(now).as("row %d", r).containsExactly(was);
                }
            }
            Map<String, float[]> moments = SnapshotArrays.moments(after);
            for (String key : new String[] {"m:" + ITEM_TABLE, "v:" + ITEM_TABLE}) {
                float[] moment = moments.get(key);
                assertThat(Arrays.copyOfRange(moment, 4 * d, 5 * d)).containsOnly(0f);
                assertThat(Arrays.copyOfRange(moment, 9 * d, 10 * d)).containsOnly(0f);
                assertThat(Arrays.copyOfRange(moment, 5 * d, 6 * d)).as("an untouched row keeps its moment")
                        .containsExactly(Arrays.copyOfRange(SnapshotArrays.moments(before).get(key), 5 * d, 6 * d));
            }
            assertThat(after.version()).isEqualTo(before.version());
            assertThatThrownBy(() -> model.resetItemRows(new int[] {0}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot reset row 0");
            assertThatThrownBy(() -> model.resetItemRows(new int[] {ModelFixtures.ITEMS + 1}))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void initialiseCentresSetsUnitCentresFromTheEmbeddings() {
        try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().build())) {
            assertThat(model.centresInitialised()).isFalse();
            float[] before = SnapshotArrays.parameters(model.snapshot()).get(CENTRES);
            model.initialiseCentres(ModelFixtures.randomBatch(50, ModelFixtures.ITEMS, 5).inputs());
            assertThat(model.centresInitialised()).isTrue();
            float[] centres = SnapshotArrays.parameters(model.snapshot()).get(CENTRES);
            assertThat(centres).isNotEqualTo(before);
            for (int c = 0; c < 4; c++) {
                double norm = 0;
                for (int j = 0; j < 16; j++) {
                    norm += centres[c * 16 + j] * centres[c * 16 + j];
                }
                assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-5));
            }
        }
    }

    @Test
    void invalidInputsAreRejectedWithMessagesThatSayWhatIsWrong() {
        try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().build())) {
            int[][] shortRow = {new int[ModelFixtures.LENGTH - 1]};
            assertThatThrownBy(() -> model.score(shortRow, 5, 10))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected T=8");
            int[][] unknown = {ModelFixtures.leftPadded(ModelFixtures.ITEMS + 2)};
            assertThatThrownBy(() -> model.itemScores(unknown))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside 0..31");
            assertThatThrownBy(() -> model.score(new int[1][ModelFixtures.LENGTH], 5, ModelFixtures.ITEMS + 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("liveItemRows");
            SequenceBatch targetAboveLive = new SequenceBatch(new int[][] {ModelFixtures.leftPadded(1)},
                    new int[][] {ModelFixtures.leftPadded(12)}, 10);
            assertThatThrownBy(() -> model.trainStep(targetAboveLive))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside 0..liveItemRows=10");
            SequenceBatch unknownPositive = new SequenceBatch(new int[][] {ModelFixtures.leftPadded(1)},
                    new int[][] {ModelFixtures.leftPadded(2)}, 10,
                    new int[][] {ModelFixtures.leftPadded(ModelFixtures.ITEMS + 2)});
            assertThatThrownBy(() -> model.trainStep(unknownPositive))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("in positive row 0 is outside 0..31");
            assertThat(model.version()).isZero();
        }
    }

    @Test
    void aBatchWithoutTargetsTrainsOnlyTheContrastiveAndClusterParts() {
        try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().build())) {
            SequenceBatch batch = new SequenceBatch(new int[][] {ModelFixtures.leftPadded(1, 2), ModelFixtures.leftPadded(3)},
                    new int[2][ModelFixtures.LENGTH], ModelFixtures.ITEMS);
            TrainStepResult result = model.trainStep(batch);
            assertThat(result.skipped()).isFalse();
            assertThat(result.loss().nextItem()).isZero();
            assertThat(result.loss().total()).isFinite();
        }
    }

    @Test
    void gpuDeviceFailsClearlyWhereTheEngineHasNone() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0);
        assertThatThrownBy(() -> ElcRecModel.create(ModelFixtures.tiny().device(Device.GPU).build()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("sees no GPU");
        try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().device(Device.AUTO).build())) {
            assertThat(model.device()).isEqualTo(ai.djl.Device.cpu());
        }
    }

    @Test
    void stepsScoresAndResetsFromSeveralThreadsAllFinish() throws Exception {
        try (ElcRecModel shared = ElcRecModel.create(ModelFixtures.tiny().build());
                ElcRecModel other = ElcRecModel.create(ModelFixtures.tiny().seed(8L).build())) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<?>> work = new java.util.ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    int seed = t;
                    work.add(pool.submit(() -> {
                        for (int i = 0; i < 10; i++) {
                            shared.trainStep(ModelFixtures.randomBatch(8, ModelFixtures.ITEMS, seed * 100 + i));
                            other.trainStep(ModelFixtures.randomBatch(8, ModelFixtures.ITEMS, seed * 100 + i));
                        }
                    }));
                }
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 10; i++) {
                        // A caller holding the JVM-wide lock around its own calls must not deadlock with the others.
                        try (io.intentstream.model.training.TrainingLock.Held held =
                                io.intentstream.model.training.TrainingLock.acquire()) {
                            shared.resetItemRows(new int[] {1 + i});
                            shared.trainStep(ModelFixtures.randomBatch(8, ModelFixtures.ITEMS, 1000 + i));
                        }
                    }
                }));
                work.add(pool.submit(() -> {
                    for (int i = 0; i < 30; i++) {
                        shared.score(ModelFixtures.randomBatch(4, ModelFixtures.ITEMS, i).inputs(), 3,
                                ModelFixtures.ITEMS);
                    }
                }));
                for (java.util.concurrent.Future<?> future : work) {
                    future.get(120, java.util.concurrent.TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(shared.version()).isEqualTo(30);
            assertThat(other.version()).isEqualTo(20);
        }
    }

    @Test
    void closedModelRefusesWork() {
        ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().build());
        model.close();
        model.close();
        assertThatThrownBy(model::snapshot).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    private static float[] row(ModelSnapshot snapshot, String parameter, int row) {
        float[] values = SnapshotArrays.parameters(snapshot).get(parameter);
        return Arrays.copyOfRange(values, row * 16, (row + 1) * 16);
    }

    /**
     * With cosine similarity every contrastive logit is within ±1/τ, so each anchor's NT-Xent is at most
     * 2/τ + ln(2B - 1): the training step must report a sequence contrast under that bound (times its weight),
     * while the reference's dot product on the same batch is not bounded by it.
     */
    @Test
    void cosineContrastKeepsTheSequenceContrastWithinItsBound() {
        int batch = 16;
        float temperature = 0.5f;
        double bound = 2 / temperature + Math.log(2 * batch - 1);
        ElcRecConfig.Builder base = ModelFixtures.tiny().hiddenSize(32).initRange(1f).sequenceContrastWeight(1f);
        try (ElcRecModel cosine = ElcRecModel.create(base.contrastSimilarity(ContrastSimilarity.COSINE)
                        .temperature(temperature).build());
                ElcRecModel dot = ElcRecModel.create(base.contrastSimilarity(ContrastSimilarity.DOT)
                        .temperature(temperature).build())) {
            SequenceBatch sequences = ModelFixtures.randomBatch(batch, ModelFixtures.ITEMS, 5);
            assertThat(cosine.trainStep(sequences).loss().sequenceContrast()).isPositive().isLessThan((float) bound);
            assertThat(dot.trainStep(sequences).loss().sequenceContrast()).isGreaterThan((float) bound);
        }
    }
}
