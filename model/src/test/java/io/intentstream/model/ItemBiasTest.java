package io.intentstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A model with {@link ElcRecConfig#itemBias()} learns one score per item that every next-item logit adds
 * ({@code h·e_i + b_i}), in training and in every score it gives, and keeps it through snapshots and row resets.
 */
class ItemBiasTest {

    private static final String ITEM_BIAS = "item_bias";
    private static final int STEPS = 12;

    @Test
    void withoutTheSettingTheParametersAreThoseOfBefore() {
        ElcRecConfig plain = ModelFixtures.tiny().build();
        List<String> plainNames;
        try (ElcRecModel model = ElcRecModel.create(plain)) {
            plainNames = List.copyOf(SnapshotArrays.parameters(model.snapshot()).keySet());
        }
        try (ElcRecModel model = ElcRecModel.create(plain.toBuilder().itemBias(true).build())) {
            Map<String, float[]> parameters = SnapshotArrays.parameters(model.snapshot());
            assertThat(plainNames).noneMatch(name -> name.endsWith(ITEM_BIAS));
            // One more parameter and otherwise the same ones in the same order.
            assertThat(parameters.keySet()).filteredOn(name -> !name.endsWith(ITEM_BIAS)).containsExactlyElementsOf(
                    plainNames);
            assertThat(parameters.keySet()).filteredOn(name -> name.endsWith(ITEM_BIAS)).hasSize(1);
            assertThat(bias(model.snapshot())).hasSize(plain.itemRows()).containsOnly(0f);
        }
    }

    @ParameterizedTest
    @EnumSource(NextItemLossType.class)
    void theBiasLearnsWhichItemsComeNextMostOftenUnderEveryLoss(NextItemLossType loss) {
        ElcRecConfig config = ModelFixtures.tiny().nextItemLoss(loss).sampledNegatives(7).itemBias(true).build();
        int popular = 11;
        try (ElcRecModel model = ElcRecModel.create(config)) {
            for (int step = 0; step < 60; step++) {
                model.trainStep(batchWithPopularTarget(16, config.itemCount(), popular, step));
            }
            float[] bias = bias(model.snapshot());
            assertThat(bias[0]).as("padding never moves").isZero();
            int largest = 1;
            for (int row = 1; row <= config.itemCount(); row++) {
                largest = bias[row] > bias[largest] ? row : largest;
            }
            assertThat(largest).as("the item that is the next one half the time").isEqualTo(popular);
        }
    }

    @Test
    void everyScoreIsTheDotProductPlusTheItemsBias() {
        ElcRecConfig config = ModelFixtures.tiny().nextItemLoss(NextItemLossType.SOFTMAX_CE).itemBias(true).build();
        int[][] windows = ModelFixtures.randomBatch(6, ModelFixtures.ITEMS, 3).inputs();
        try (ElcRecModel model = ElcRecModel.create(config)) {
            for (SequenceBatch batch : ElcRecModelDeterminismTest.batches(STEPS, config.itemCount())) {
                model.trainStep(batch);
            }
            ModelSnapshot snapshot = model.snapshot();
            float[] bias = bias(snapshot);
            assertThat(maxAbs(bias)).as("trained, so the comparison below can fail").isGreaterThan(1e-3f);
            ModelSnapshot unbiased = SnapshotArrays.withParameters(snapshot,
                    (name, values) -> name.endsWith(ITEM_BIAS) ? new float[values.length] : values);
            try (ElcRecModel withoutBias = ElcRecModel.restore(unbiased)) {
                float[][] scores = model.itemScores(windows);
                float[][] dotProducts = withoutBias.itemScores(windows);
                for (int i = 0; i < windows.length; i++) {
                    for (int row = 0; row < config.itemRows(); row++) {
                        assertThat(scores[i][row] - dotProducts[i][row]).as("sequence %d, row %d", i, row)
                                .isCloseTo(bias[row], within(1e-5f));
                    }
                }
            }
            // Recommendations rank by the same scores: an item with an overwhelming bias comes first for every
            // sequence that has not seen it.
            int favourite = 23;
            ModelSnapshot favoured = SnapshotArrays.withParameters(snapshot, (name, values) -> {
                if (name.endsWith(ITEM_BIAS)) {
                    values[favourite] = 1_000f;
                }
                return values;
            });
            try (ElcRecModel favouring = ElcRecModel.restore(favoured)) {
                Scores top = favouring.score(windows, 3, config.itemCount());
                for (int i = 0; i < windows.length; i++) {
                    boolean seen = Arrays.stream(windows[i]).anyMatch(item -> item == favourite);
                    assertThat(top.topItems()[i][0] == favourite).as("sequence %d", i).isEqualTo(!seen);
                }
            }
        }
    }

    @Test
    void aResetRowForgetsItsBiasAndARestoredModelContinuesBitExactly() {
        ElcRecConfig config = ModelFixtures.tiny().nextItemLoss(NextItemLossType.SOFTMAX_CE).itemBias(true)
                .weightAverageDecay(0.9f).build();
        List<SequenceBatch> batches = ElcRecModelDeterminismTest.batches(STEPS, config.itemCount());
        try (ElcRecModel model = ElcRecModel.create(config)) {
            for (int step = 0; step < STEPS - 2; step++) {
                model.trainStep(batches.get(step));
            }
            float[] before = bias(model.snapshot());
            assertThat(before[3]).isNotZero();
            model.resetItemRows(new int[] {3, 17});
            ModelSnapshot reset = model.snapshot();
            float[] after = bias(reset);
            assertThat(after[3]).isZero();
            assertThat(after[17]).isZero();
            assertThat(averagedBias(reset)[3]).as("the average a row reset reaches too").isZero();
            assertThat(SnapshotArrays.moments(reset).entrySet()).filteredOn(e -> e.getKey().endsWith(ITEM_BIAS))
                    .allSatisfy(moment -> assertThat(moment.getValue()[3]).isZero());
            after[3] = before[3];
            after[17] = before[17];
            assertThat(after).as("other rows keep theirs").containsExactly(before);

            try (ElcRecModel restored = ElcRecModel.restore(ModelSnapshot.fromBytes(reset.toBytes()))) {
                for (int step = STEPS - 2; step < STEPS; step++) {
                    model.trainStep(batches.get(step));
                    restored.trainStep(batches.get(step));
                }
                assertThat(restored.snapshot()).isEqualTo(model.snapshot());
            }
        }
    }

    /**
     * Histories over random items whose next item is {@code popular} at every other position, so that a bias can
     * lower the loss without any sequence telling which item comes.
     */
    private static SequenceBatch batchWithPopularTarget(int size, int items, int popular, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int t = ModelFixtures.LENGTH;
        int[][] inputs = new int[size][t];
        int[][] targets = new int[size][t];
        for (int b = 0; b < size; b++) {
            List<Integer> history = new ArrayList<>();
            for (int i = 0; i <= t; i++) {
                history.add(random.nextBoolean() ? popular : 1 + random.nextInt(items));
            }
            for (int i = 0; i < t; i++) {
                inputs[b][i] = history.get(i);
                targets[b][i] = history.get(i + 1);
            }
        }
        return new SequenceBatch(inputs, targets, items);
    }

    private static float[] bias(ModelSnapshot snapshot) {
        return only(SnapshotArrays.parameters(snapshot));
    }

    private static float[] averagedBias(ModelSnapshot snapshot) {
        return only(SnapshotArrays.averagedParameters(snapshot));
    }

    private static float[] only(Map<String, float[]> parameters) {
        return parameters.entrySet().stream().filter(e -> e.getKey().endsWith(ITEM_BIAS)).map(Map.Entry::getValue)
                .findFirst().orElseThrow();
    }

    private static float maxAbs(float[] values) {
        float max = 0;
        for (float value : values) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }
}
