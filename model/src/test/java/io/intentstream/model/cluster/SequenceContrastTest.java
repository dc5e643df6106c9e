package io.intentstream.model.cluster;

import static java.lang.Math.exp;
import static java.lang.Math.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.intentstream.model.ContrastSimilarity;
import io.intentstream.model.Fusion;
import io.intentstream.model.cluster.SequenceContrast.CentreChoice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SequenceContrastTest {

    private NDManager manager;
    private NDArray centres;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        centres = manager.create(new float[][] {{1f, 0f}, {0f, 1f}});
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void ntXentOfIdenticalOrthogonalViewsIsLogOfTwoPlusEMinusOne() {
        // z = [(1,0),(0,1),(1,0),(0,1)]: every anchor has its positive at 1 and two negatives at 0
        NDArray a = manager.create(new float[][] {{1f, 0f}, {0f, 1f}});
        float loss = SequenceContrast.ntXent(a, a.duplicate(), 1f).getFloat();
        assertThat(loss).isCloseTo((float) (log(2 + Math.E) - 1), within(1e-6f));
        // temperature 0.5 doubles every similarity
        float sharper = SequenceContrast.ntXent(a, a.duplicate(), 0.5f).getFloat();
        assertThat(sharper).isCloseTo((float) (log(2 + exp(2)) - 2), within(1e-6f));
    }

    @Test
    void cosineNtXentComparesDirectionsOnly() {
        // Scaled copies of the orthonormal example: the dot product grows with the scale, the cosine does not.
        NDArray a = manager.create(new float[][] {{3f, 0f}, {0f, 0.5f}});
        NDArray b = manager.create(new float[][] {{7f, 0f}, {0f, 2f}});
        float cosine = SequenceContrast.ntXent(a, b, 1f, ContrastSimilarity.COSINE).getFloat();
        assertThat(cosine).isCloseTo((float) (log(2 + Math.E) - 1), within(1e-6f));
        float dot = SequenceContrast.ntXent(a, b, 1f, ContrastSimilarity.DOT).getFloat();
        assertThat(dot).isNotCloseTo(cosine, within(0.1f));
        // Hand-computed: rows (1,1)/sqrt2 and (1,0) against (1,0) and (0,1) at temperature 0.5.
        NDArray c = manager.create(new float[][] {{2f, 2f}, {5f, 0f}});
        NDArray d = manager.create(new float[][] {{1f, 0f}, {0f, 3f}});
        double r = 1 / Math.sqrt(2);
        // z = [u0=(r,r), u1=(1,0), v0=(1,0), v1=(0,1)]; logits = 2 * cos; each row excludes itself.
        double row0 = -2 * r + log(exp(2 * r) + exp(2 * r) + exp(2 * r)); // positive v0 (cos r); negatives u1 (r), v1 (r)
        double row1 = -0 + log(exp(2 * r) + exp(2) + exp(0)); // positive v1 (cos 0); negatives u0 (r), v0 (1)
        double row2 = -2 * r + log(exp(2 * r) + exp(2) + exp(0)); // v0: positive u0 (r); negatives u1 (1), v1 (0)
        double row3 = -0 + log(exp(2 * r) + exp(0) + exp(0)); // v1: positive u1 (0); negatives u0 (r), v0 (0)
        float expected = (float) ((row0 + row1 + row2 + row3) / 4);
        assertThat(SequenceContrast.ntXent(c, d, 0.5f, ContrastSimilarity.COSINE).getFloat())
                .isCloseTo(expected, within(1e-5f));
    }

    /** Two users, T = 1, d = 2. User 0's views lie near c1 = (1,0), user 1's near c2 = (0,1). */
    private NDArray view1() {
        return manager.create(new float[] {2f, 0f, 0f, 1f}, new Shape(2, 1, 2));
    }

    private NDArray view2() {
        return manager.create(new float[] {1f, 0.5f, 0.5f, 2f}, new Shape(2, 1, 2));
    }

    @Test
    void shiftFusionLossMatchesAHandComputedTwoUserExample() {
        // shifted: z0 = (3,0), z1 = (0,2), z2 = (2,0.5), z3 = (0.5,3)
        // dots: z0z1 = 0, z0z2 = 6, z0z3 = 1.5, z1z2 = 1, z1z3 = 6, z2z3 = 2.5
        double l0 = -6 + log(exp(0) + exp(6) + exp(1.5));
        double l1 = -6 + log(exp(0) + exp(6) + exp(1));
        double l2 = -6 + log(exp(6) + exp(1) + exp(2.5));
        double l3 = -6 + log(exp(1.5) + exp(6) + exp(2.5));
        float loss = SequenceContrast.loss(view1(), view2(), centres, Fusion.SHIFT, CentreChoice.VIEW, 1f).getFloat();
        assertThat(loss).isCloseTo((float) ((l0 + l1 + l2 + l3) / 4), within(1e-5f));
    }

    @Test
    void concatFusionLossMatchesAHandComputedTwoUserExample() {
        // concatenated: z0 = (2,0,1,0), z1 = (0,1,0,1), z2 = (1,0.5,1,0), z3 = (0.5,2,0,1)
        // dots: z0z1 = 0, z0z2 = 3, z0z3 = 1, z1z2 = 0.5, z1z3 = 3, z2z3 = 1.5
        double l0 = -3 + log(exp(0) + exp(3) + exp(1));
        double l1 = -3 + log(exp(0) + exp(0.5) + exp(3));
        double l2 = -3 + log(exp(3) + exp(0.5) + exp(1.5));
        double l3 = -3 + log(exp(1) + exp(3) + exp(1.5));
        float loss = SequenceContrast.loss(view1(), view2(), centres, Fusion.CONCAT, CentreChoice.VIEW, 1f).getFloat();
        assertThat(loss).isCloseTo((float) ((l0 + l1 + l2 + l3) / 4), within(1e-5f));
    }

    @Test
    void fusionAddsOrAppendsTheCentreAtEveryPosition() {
        NDArray views = manager.create(new float[] {1f, 2f, 3f, 4f}, new Shape(1, 2, 2));
        NDArray rows = manager.create(new float[][] {{10f, 20f}});
        assertThat(SequenceContrast.fuse(views, rows, Fusion.SHIFT).toFloatArray())
                .containsExactly(11f, 22f, 13f, 24f);
        NDArray concat = SequenceContrast.fuse(views, rows, Fusion.CONCAT);
        assertThat(concat.getShape()).isEqualTo(new Shape(1, 2, 4));
        assertThat(concat.toFloatArray()).containsExactly(1f, 2f, 10f, 20f, 3f, 4f, 10f, 20f);
    }

    @Test
    void positionChoiceFusesEachPositionWithItsOwnNearestCentre() {
        // one position near c1, one near c2; the view's mean (1,0.5) is nearest to c1
        NDArray v1 = manager.create(new float[] {2f, 0f, 0f, 1f, 0f, 3f, 0f, 2f}, new Shape(2, 2, 2));
        NDArray v2 = manager.create(new float[] {1f, 0f, 0.2f, 1f, 0.1f, 1f, 0f, 1f}, new Shape(2, 2, 2));
        NDArray c1 = manager.create(new float[] {1f, 0f});
        NDArray c2 = manager.create(new float[] {0f, 1f});
        NDArray perPosition1 = NDArrays.stack(new NDList(c1, c2, c2, c2)).reshape(2, 2, 2);
        NDArray perPosition2 = NDArrays.stack(new NDList(c1, c2, c2, c2)).reshape(2, 2, 2);
        float expected = SequenceContrast.ntXent(
                SequenceContrast.fuse(v1, perPosition1, Fusion.SHIFT).reshape(2, -1),
                SequenceContrast.fuse(v2, perPosition2, Fusion.SHIFT).reshape(2, -1), 1f).getFloat();
        float perPosition =
                SequenceContrast.loss(v1, v2, centres, Fusion.SHIFT, CentreChoice.POSITION, 1f).getFloat();
        float perView = SequenceContrast.loss(v1, v2, centres, Fusion.SHIFT, CentreChoice.VIEW, 1f).getFloat();
        assertThat(perPosition).isCloseTo(expected, within(1e-5f));
        assertThat(perView).isNotCloseTo(perPosition, within(1e-3f));
    }

    @Test
    void ntXentIsLowerWhenViewsAgreeThanWhenTheyAreShuffled() {
        manager.getEngine().setRandomSeed(3);
        NDArray a = manager.randomNormal(new Shape(16, 32));
        NDArray agreeing = a.add(manager.randomNormal(0f, 0.1f, new Shape(16, 32), a.getDataType()));
        long[] shift = new long[16];
        for (int i = 0; i < 16; i++) {
            shift[i] = (i + 1) % 16;
        }
        NDArray shuffled = agreeing.get(manager.create(shift));
        float agree = SequenceContrast.ntXent(a, agreeing, 1f).getFloat();
        float disagree = SequenceContrast.ntXent(a, shuffled, 1f).getFloat();
        assertThat(agree).isLessThan(disagree);
        assertThat(agree).isLessThan(1f); // near 0: positives dominate
        assertThat(disagree).isGreaterThan(5f);
    }

    @Test
    void gradientsReachTheViewsAndTheCentres() {
        for (Fusion fusion : Fusion.values()) {
            NDArray v1 = view1();
            NDArray v2 = view2();
            NDArray c = centres.duplicate();
            v1.setRequiresGradient(true);
            v2.setRequiresGradient(true);
            c.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(SequenceContrast.loss(v1, v2, c, fusion, CentreChoice.VIEW, 1f));
            }
            assertThat(v1.getGradient().abs().sum().getFloat()).as("%s view1", fusion).isGreaterThan(1e-4f);
            assertThat(v2.getGradient().abs().sum().getFloat()).as("%s view2", fusion).isGreaterThan(1e-4f);
            assertThat(c.getGradient().abs().sum().getFloat()).as("%s centres", fusion).isGreaterThan(1e-4f);
            assertThat(c.getGradient().isNaN().any().getBoolean()).isFalse();
        }
    }

    @Test
    void rejectsViewsOfDifferentShapesAndANonPositiveTemperature() {
        assertThatThrownBy(() -> SequenceContrast.loss(view1(), manager.zeros(new Shape(2, 2, 2)), centres,
                        Fusion.SHIFT, CentreChoice.VIEW, 1f))
                .hasMessageContaining("(b, T, d)");
        NDArray a = manager.create(new float[][] {{1f, 0f}});
        assertThatThrownBy(() -> SequenceContrast.ntXent(a, a, 0f)).hasMessageContaining("temperature");
    }
}
