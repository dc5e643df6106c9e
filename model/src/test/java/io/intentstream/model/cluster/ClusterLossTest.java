package io.intentstream.model.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.intentstream.model.cluster.ClusterLoss.Normalisation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClusterLossTest {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private NDArray matrix(float[][] rows) {
        return manager.create(rows);
    }

    private NDArray randomUnitRows(int n, int d) {
        return UnitRows.normalise(manager.randomNormal(new Shape(n, d)));
    }

    private static float scalar(NDArray x) {
        return x.getFloat();
    }

    @Test
    void everyFormMatchesAHandComputedTwoUserTwoCentreExample() {
        // h1 = (1,0), h2 = (0.6,0.8); c1 = (1,0), c2 = (0,1)
        // pull:   (||h1-c1||^2 + ||h1-c2||^2 + ||h2-c1||^2 + ||h2-c2||^2) / (b k) = (0 + 2 + 0.8 + 0.4) / 4 = 0.8
        // spread: (0 + 2 + 2 + 0) / k^2 = 1 (reference);  (2 + 2) / (k (k-1)) = 2 (paper)
        NDArray h = matrix(new float[][] {{1f, 0f}, {0.6f, 0.8f}});
        NDArray c = matrix(new float[][] {{1f, 0f}, {0f, 1f}});
        assertThat(scalar(ClusterLoss.pairwise(h, c, Normalisation.REFERENCE))).isCloseTo(-0.2f, within(1e-6f));
        assertThat(scalar(ClusterLoss.closedForm(h, c, Normalisation.REFERENCE))).isCloseTo(-0.2f, within(1e-6f));
        assertThat(scalar(ClusterLoss.loss(h, c))).isCloseTo(-0.2f, within(1e-6f));
        assertThat(scalar(ClusterLoss.pairwise(h, c, Normalisation.PAPER))).isCloseTo(-1.2f, within(1e-6f));
        assertThat(scalar(ClusterLoss.closedForm(h, c, Normalisation.PAPER))).isCloseTo(-1.2f, within(1e-6f));
        // 2||m_c||^2 - 2 m_h . m_c = 2 * 0.5 - 2 * (0.8 * 0.5 + 0.4 * 0.5) = 1 - 1.2
        assertThat(scalar(ClusterLoss.unitClosedForm(h, c))).isCloseTo(-0.2f, within(1e-6f));
    }

    @Test
    void closedAndPairwiseFormsAgreeOnRandomUnitVectors() {
        manager.getEngine().setRandomSeed(7);
        for (int[] bkd : new int[][] {{32, 16, 8}, {256, 64, 64}, {5, 3, 2}}) {
            NDArray h = randomUnitRows(bkd[0], bkd[2]);
            NDArray c = randomUnitRows(bkd[1], bkd[2]);
            for (Normalisation normalisation : Normalisation.values()) {
                float pairwise = scalar(ClusterLoss.pairwise(h, c, normalisation));
                assertThat(scalar(ClusterLoss.closedForm(h, c, normalisation))).isCloseTo(pairwise, within(1e-5f));
            }
            assertThat(scalar(ClusterLoss.unitClosedForm(h, c)))
                    .isCloseTo(scalar(ClusterLoss.pairwise(h, c, Normalisation.REFERENCE)), within(1e-5f));
        }
    }

    @Test
    void closedFormEqualsPairwiseAlsoOnRowsThatAreNotUnit() {
        manager.getEngine().setRandomSeed(8);
        NDArray h = manager.randomNormal(new Shape(12, 6)).mul(0.7f);
        NDArray c = manager.randomNormal(new Shape(9, 6)).mul(1.3f);
        for (Normalisation normalisation : Normalisation.values()) {
            assertThat(scalar(ClusterLoss.closedForm(h, c, normalisation)))
                    .isCloseTo(scalar(ClusterLoss.pairwise(h, c, normalisation)), within(1e-4f));
        }
        // the unit-vector shortcut is only valid for unit rows: here it is off by s_h - s_c
        float shortcutError = Math.abs(scalar(ClusterLoss.unitClosedForm(h, c))
                - scalar(ClusterLoss.pairwise(h, c, Normalisation.REFERENCE)));
        assertThat(shortcutError).isGreaterThan(0.1f);
    }

    @Test
    void gradientsReachEmbeddingsAndCentresAndEqualThoseOfThePairwiseForm() {
        manager.getEngine().setRandomSeed(9);
        NDArray h = randomUnitRows(3, 2);
        NDArray c = randomUnitRows(2, 2);
        float[][] closed = gradients(h, c, true);
        float[][] pairwise = gradients(h, c, false);
        assertThat(maxAbs(closed[0])).isGreaterThan(1e-3f);
        assertThat(maxAbs(closed[1])).isGreaterThan(1e-3f);
        assertThat(closed[0]).containsExactly(pairwise[0], within(1e-5f));
        assertThat(closed[1]).containsExactly(pairwise[1], within(1e-5f));
    }

    /** Gradients of the reference loss with respect to h and c, through the closed or the pairwise form. */
    private static float[][] gradients(NDArray h, NDArray c, boolean closedForm) {
        NDArray hLeaf = h.duplicate();
        NDArray cLeaf = c.duplicate();
        hLeaf.setRequiresGradient(true);
        cLeaf.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = closedForm
                    ? ClusterLoss.closedForm(hLeaf, cLeaf, Normalisation.REFERENCE)
                    : ClusterLoss.pairwise(hLeaf, cLeaf, Normalisation.REFERENCE);
            collector.backward(loss);
        }
        return new float[][] {hLeaf.getGradient().toFloatArray(), cLeaf.getGradient().toFloatArray()};
    }

    private static float maxAbs(float[] values) {
        float max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    @Test
    void squaredDistancesAreThoseBetweenEveryPairOfRows() {
        NDArray x = matrix(new float[][] {{1f, 2f}, {0f, 0f}});
        NDArray y = matrix(new float[][] {{1f, 0f}, {-1f, 2f}, {3f, 3f}});
        assertThat(ClusterLoss.squaredDistances(x, y).toFloatArray())
                .containsExactly(new float[] {4f, 4f, 5f, 1f, 5f, 18f}, within(1e-6f));
    }

    @Test
    void rejectsMismatchedShapesAndASingleCentre() {
        NDArray h = matrix(new float[][] {{1f, 0f}});
        assertThatThrownBy(() -> ClusterLoss.loss(h, matrix(new float[][] {{1f, 0f, 0f}, {0f, 1f, 0f}})))
                .hasMessageContaining("same width");
        assertThatThrownBy(() -> ClusterLoss.loss(h, matrix(new float[][] {{1f, 0f}})))
                .hasMessageContaining("at least 2 centres");
    }
}
