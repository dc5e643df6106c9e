package io.intentstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.intentstream.model.tensor.Rows;
import io.intentstream.model.training.NextItemLoss;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NextItemLossTest {

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
    void binaryCrossEntropyMatchesTheReferenceFormulaComputedByHand() {
        NDArray hidden = matrix(new float[] {1f, 0f, 0f, 2f}, 2, 2);
        NDArray positives = matrix(new float[] {0.5f, 0.5f, 1f, 1f}, 2, 2);
        NDArray negatives = matrix(new float[] {-1f, 0f, 0f, -0.5f}, 2, 2);
        // Logits by hand: positives 0.5 and 2.0, negatives -1.0 and -1.0.
        double expected = (bce(0.5, -1.0) + bce(2.0, -1.0)) / 2;

        float loss = NextItemLoss.binaryCrossEntropy(hidden, positives, negatives, null, null).getFloat();

        assertThat((double) loss).isCloseTo(expected, within(1e-6));
    }

    @Test
    void binaryCrossEntropyIsBoundedByTheLogGuardWhenTheModelIsConfidentlyWrong() {
        NDArray hidden = matrix(new float[] {100f}, 1, 1);
        NDArray positive = matrix(new float[] {-1f}, 1, 1);
        NDArray negative = matrix(new float[] {1f}, 1, 1);

        float loss = NextItemLoss.binaryCrossEntropy(hidden, positive, negative, null, null).getFloat();

        // sigmoid(-100) is ~4e-44, below fp32's normal range: each log is floored by the 1e-24 guard (~55.3).
        assertThat(loss).isFinite();
        assertThat((double) loss).isCloseTo(-2 * Math.log(1e-24), within(0.5));
    }

    @Test
    void softmaxCrossEntropyMatchesLogSumExpMinusTargetLogitComputedByHand() {
        NDArray hidden = matrix(new float[] {1f, 0f, 0.5f, -1f}, 2, 2);
        NDArray candidates = matrix(new float[] {1f, 2f, 0f, 1f, -1f, 0.5f}, 3, 2);
        NDArray targetColumns = manager.create(new long[] {0, 2});
        // Row 0 logits: [1, 0, -1], target 0. Row 1 logits: [0.5 - 2, -1, -0.5 - 0.5] = [-1.5, -1, -1], target 2.
        double expected = (crossEntropy(new double[] {1, 0, -1}, 0) + crossEntropy(new double[] {-1.5, -1, -1}, 2)) / 2;

        float loss = NextItemLoss.softmaxCrossEntropy(hidden, candidates, null, targetColumns).getFloat();

        assertThat((double) loss).isCloseTo(expected, within(1e-6));
    }

    @Test
    void softmaxCrossEntropyInRowBlocksEqualsTheWholeComputation() {
        manager.getEngine().setRandomSeed(5);
        NDArray hidden = manager.randomNormal(new Shape(800, 8)); // 3 blocks of at most 349 rows at R = 12,000
        NDArray candidates = manager.randomNormal(new Shape(12_000, 8));
        NDArray targets = manager.randomInteger(0, 12_000, new Shape(800), ai.djl.ndarray.types.DataType.INT64);
        float whole = hidden.matMul(candidates.transpose()).logSoftmax(-1).gather(targets.reshape(-1, 1), 1)
                .mean().neg().getFloat();

        float blocked = NextItemLoss.softmaxCrossEntropy(hidden, candidates, null, targets).getFloat();

        assertThat(blocked).isCloseTo(whole, within(1e-4f * Math.abs(whole)));
    }

    @Test
    void sampledSoftmaxMatchesCrossEntropyOverTheTargetAndTheSampleComputedByHand() {
        NDArray hidden = matrix(new float[] {1f, 0f, 0.5f, -1f}, 2, 2);
        NDArray positives = matrix(new float[] {2f, 1f, 0f, -1f}, 2, 2);
        NDArray negatives = matrix(new float[] {1f, 1f, 0f, 2f, -1f, 0f}, 3, 2);
        NDArray targetRows = manager.create(new long[] {5, 7});
        NDArray negativeRows = manager.create(new long[] {2, 9, 4});
        // Row 0: target logit 2, negatives [1, 0, -1]. Row 1: target logit 1, negatives [-0.5, -2, -0.5].
        double expected = (crossEntropy(new double[] {2, 1, 0, -1}, 0)
                + crossEntropy(new double[] {1, -0.5, -2, -0.5}, 0)) / 2;

        float loss = NextItemLoss.sampledSoftmaxCrossEntropy(hidden, positives, negatives, null, null, targetRows,
                negativeRows)
                .getFloat();

        assertThat((double) loss).isCloseTo(expected, within(1e-6));
    }

    @Test
    void sampledSoftmaxLeavesASampledCopyOfThePositionsOwnTargetOutOfItsSoftmax() {
        NDArray hidden = matrix(new float[] {1f, 0f, 0.5f, -1f}, 2, 2);
        NDArray positives = matrix(new float[] {2f, 1f, 0f, -1f}, 2, 2);
        NDArray negatives = matrix(new float[] {1f, 1f, 0f, 2f, -1f, 0f}, 3, 2);
        NDArray targetRows = manager.create(new long[] {5, 7});
        NDArray negativeRows = manager.create(new long[] {2, 7, 4}); // row 7 is position 1's own target
        // Row 0 as before; row 1 competes with rows 2 and 4 only: [1, -0.5, -0.5].
        double expected = (crossEntropy(new double[] {2, 1, 0, -1}, 0)
                + crossEntropy(new double[] {1, -0.5, -0.5}, 0)) / 2;

        float loss = NextItemLoss.sampledSoftmaxCrossEntropy(hidden, positives, negatives, null, null, targetRows,
                negativeRows)
                .getFloat();

        assertThat((double) loss).isCloseTo(expected, within(1e-6));
    }

    @Test
    void sampledSoftmaxOverTheWholeCatalogueEqualsTheFullSoftmax() {
        manager.getEngine().setRandomSeed(9);
        int items = 500;
        NDArray hidden = manager.randomNormal(new Shape(40, 8));
        NDArray catalogue = manager.randomNormal(new Shape(items, 8)); // rows 1..500 as columns 0..499
        NDArray targetColumns = manager.randomInteger(0, items, new Shape(40), ai.djl.ndarray.types.DataType.INT64);
        NDArray targetRows = targetColumns.add(1);
        NDArray everyRow = manager.arange(1, items + 1).toType(ai.djl.ndarray.types.DataType.INT64, false);
        float full = NextItemLoss.softmaxCrossEntropy(hidden, catalogue, null, targetColumns).getFloat();

        float sampled = NextItemLoss.sampledSoftmaxCrossEntropy(hidden, Rows.gather(catalogue, targetColumns),
                catalogue, null, null, targetRows, everyRow).getFloat();

        assertThat(sampled).isCloseTo(full, within(1e-5f * Math.abs(full)));
    }

    @Test
    void everyLossAddsTheItemBiasToEachItemsLogit() {
        NDArray hidden = matrix(new float[] {1f, 0f, 0.5f, -1f}, 2, 2);
        // Binary cross-entropy: the logits of the first test plus the biases of each row's positive and negative.
        NDArray positives = matrix(new float[] {0.5f, 0.5f, 1f, 1f}, 2, 2);
        NDArray negatives = matrix(new float[] {-1f, 0f, 0f, -0.5f}, 2, 2);
        NDArray positiveBias = matrix(new float[] {0.25f, -1f}, 2, 1);
        NDArray negativeBias = matrix(new float[] {2f, 0.5f}, 2, 1);
        // Positive logits 0.5 and -0.5 (h0·p0 = 0.5, h1·p1 = -0.5), negative -1 and 0.5; plus the biases.
        double expectedBce = (bce(0.75, 1.0) + bce(-1.5, 1.0)) / 2;
        assertThat((double) NextItemLoss.binaryCrossEntropy(hidden, positives, negatives, positiveBias,
                negativeBias).getFloat()).isCloseTo(expectedBce, within(1e-6));

        // Full softmax: the candidates' logits of the earlier test, [1, 0, -1] and [-1.5, -1, -1], plus their biases.
        NDArray candidates = matrix(new float[] {1f, 2f, 0f, 1f, -1f, 0.5f}, 3, 2);
        NDArray candidateBias = matrix(new float[] {0f, 3f, -2f}, 3, 1);
        NDArray targetColumns = manager.create(new long[] {0, 2});
        double expectedSoftmax = (crossEntropy(new double[] {1, 3, -3}, 0)
                + crossEntropy(new double[] {-1.5, 2, -3}, 2)) / 2;
        assertThat((double) NextItemLoss.softmaxCrossEntropy(hidden, candidates, candidateBias, targetColumns)
                .getFloat()).isCloseTo(expectedSoftmax, within(1e-6));

        // Sampled softmax: target logits 2 and 1, negatives [1, 0, -1] and [-0.5, -2, -0.5], plus their biases.
        NDArray sampledPositives = matrix(new float[] {2f, 1f, 0f, -1f}, 2, 2);
        NDArray sampled = matrix(new float[] {1f, 1f, 0f, 2f, -1f, 0f}, 3, 2);
        NDArray sampledBias = matrix(new float[] {1f, -1f, 0.5f}, 3, 1);
        double expectedSampled = (crossEntropy(new double[] {2.25, 2, -1, -0.5}, 0)
                + crossEntropy(new double[] {0, 0.5, -3, 0}, 0)) / 2;
        assertThat((double) NextItemLoss.sampledSoftmaxCrossEntropy(hidden, sampledPositives, sampled,
                positiveBias, sampledBias, manager.create(new long[] {5, 7}), manager.create(new long[] {2, 9, 4}))
                .getFloat()).isCloseTo(expectedSampled, within(1e-6));
    }

    private NDArray matrix(float[] values, int rows, int columns) {
        return manager.create(values, new Shape(rows, columns));
    }

    private static double bce(double positiveLogit, double negativeLogit) {
        return -Math.log(sigmoid(positiveLogit) + 1e-24) - Math.log(1 - sigmoid(negativeLogit) + 1e-24);
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static double crossEntropy(double[] logits, int target) {
        double sum = 0;
        for (double logit : logits) {
            sum += Math.exp(logit);
        }
        return Math.log(sum) - logits[target];
    }
}
