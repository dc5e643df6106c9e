package io.intentstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.intentstream.model.cluster.ClusterLoss;
import io.intentstream.model.cluster.IntentContrast;
import io.intentstream.model.cluster.NearestCentre;
import io.intentstream.model.cluster.SequenceContrast;
import io.intentstream.model.cluster.UnitRows;
import io.intentstream.model.training.ClusterTerms;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The training step's graph-safe terms have the values of their definitions in the cluster package. */
class ClusterTermsTest {

    private NDManager manager;
    private NDArray first;
    private NDArray second;
    private NDArray centres;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
        manager.getEngine().setRandomSeed(11);
        first = manager.randomNormal(new Shape(6, 5, 4));
        second = manager.randomNormal(new Shape(6, 5, 4));
        centres = UnitRows.normalise(manager.randomNormal(new Shape(3, 4)));
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void unitRowsEqualsUnitRowsNormalise() {
        NDArray x = first.reshape(30, 4);
        assertThat(ClusterTerms.unitRows(x).toFloatArray()).containsExactly(UnitRows.normalise(x).toFloatArray(),
                within(1e-7f));
    }

    @Test
    void clusterLossEqualsClusterLoss() {
        NDArray h = UnitRows.normalise(first.mean(new int[] {1}));
        assertThat(ClusterTerms.clusterLoss(h, centres).getFloat())
                .isCloseTo(ClusterLoss.loss(h, centres).getFloat(), within(1e-6f))
                .isCloseTo(ClusterLoss.pairwise(h, centres, ClusterLoss.Normalisation.REFERENCE).getFloat(),
                        within(1e-5f));
    }

    @Test
    void ntXentEqualsSequenceContrastNtXent() {
        NDArray a = first.reshape(6, 20);
        NDArray b = second.reshape(6, 20);
        assertThat(ClusterTerms.ntXent(a, b, 0.7f).getFloat())
                .isCloseTo(SequenceContrast.ntXent(a, b, 0.7f).getFloat(), within(1e-6f));
    }

    @Test
    void sequenceContrastEqualsSequenceContrastPerPosition() {
        for (Fusion fusion : Fusion.values()) {
            float expected = SequenceContrast.loss(first, second, centres, fusion,
                    SequenceContrast.CentreChoice.POSITION, 1f).getFloat();
            assertThat(ClusterTerms.sequenceContrast(first, second, centres, fusion, 1f).getFloat())
                    .as("fusion %s", fusion).isCloseTo(expected, within(1e-5f));
        }
    }

    @Test
    void intentContrastEqualsTheReferenceForm() {
        NDArray intent = NearestCentre.nearest(first.mean(new int[] {1}), centres);
        float expected = IntentContrast.loss(first.mean(new int[] {1}), second.mean(new int[] {1}), centres, intent,
                1f, IntentContrast.Form.REFERENCE_NT_XENT).getFloat();
        assertThat(ClusterTerms.intentContrast(first, second, centres, intent, 1f).getFloat())
                .isCloseTo(expected, within(1e-6f));
    }
}
