package io.intentstream.model.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NearestCentreTest {

    private NDManager manager;
    private NDArray centres;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        centres = manager.create(new float[][] {{1f, 0f}, {0f, 1f}, {-1f, 0f}});
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void assignsTheNearestAndRunnerUpCentreByDistanceBetweenNormalisedVectors() {
        // (0.6,0.8): ||c2-h||^2 = 2 - 1.6 = 0.4, ||c1-h||^2 = 2 - 1.2 = 0.8, ||c3-h||^2 = 3.2
        // (-4,0.2) normalises to about (-0.9988,0.0499): c3 at 2 - 2*0.99875 = 0.0025, then c2 at 2 - 2*0.0499
        NDArray h = manager.create(new float[][] {{0.6f, 0.8f}, {-4f, 0.2f}});
        NearestCentre.Assignment a = NearestCentre.assign(h, centres);
        assertThat(a.nearest()).containsExactly(1, 2);
        assertThat(a.runnerUp()).containsExactly(0, 1);
        double cos = 4 / Math.sqrt(16.04);
        double sin = 0.2 / Math.sqrt(16.04);
        assertThat(a.nearestDistance()).containsExactly(new float[] {0.4f, (float) (2 - 2 * cos)}, within(1e-5f));
        assertThat(a.runnerUpDistance()).containsExactly(new float[] {0.8f, (float) (2 - 2 * sin)}, within(1e-5f));
        assertThat(NearestCentre.nearest(h, centres).toLongArray()).containsExactly(1L, 2L);
    }

    @Test
    void unnormalisedCentresAreComparedByDirectionOnly() {
        // a long centre far along x must not win over a short one pointing the same way as h
        NDArray unequal = manager.create(new float[][] {{10f, 0f}, {0f, 0.1f}});
        NDArray h = manager.create(new float[][] {{0.2f, 1f}});
        assertThat(NearestCentre.nearest(h, unequal).toLongArray()).containsExactly(1L);
    }

    @Test
    void assignsEveryPositionOfABatchOfSequences() {
        NDArray views = manager.create(new float[] {2f, 0f, 0f, 3f, -1f, 0.1f, 0.1f, 1f}, new Shape(2, 2, 2));
        NDArray index = NearestCentre.nearest(views, centres);
        assertThat(index.getShape()).isEqualTo(new Shape(2, 2));
        assertThat(index.getDataType()).isEqualTo(DataType.INT64);
        assertThat(index.toLongArray()).containsExactly(0L, 1L, 2L, 1L);
    }

    @Test
    void aSingleCentreHasNoRunnerUp() {
        NearestCentre.Assignment a =
                NearestCentre.assign(manager.create(new float[][] {{1f, 1f}}), manager.create(new float[][] {{0f, 1f}}));
        assertThat(a.nearest()).containsExactly(0);
        assertThat(a.runnerUp()).containsExactly(-1);
        assertThat(a.runnerUpDistance()[0]).isNaN();
    }
}
