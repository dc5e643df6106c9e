package io.intentstream.model.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CentreInitialiserTest {

    private static final int D = 8;

    /** Four blobs of 100 points at 5 * e_0 .. 5 * e_3 with noise of standard deviation 0.1. */
    private static float[][] fourBlobs(long seed) {
        Random random = new Random(seed);
        float[][] points = new float[400][D];
        for (int i = 0; i < points.length; i++) {
            int blob = i % 4;
            for (int j = 0; j < D; j++) {
                points[i][j] = (float) (0.1 * random.nextGaussian()) + (j == blob ? 5f : 0f);
            }
        }
        return points;
    }

    private static float norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += x * x;
        }
        return (float) Math.sqrt(sum);
    }

    @Test
    void recoversFourWellSeparatedPlantedClustersAsUnitCentres() {
        float[][] centres = CentreInitialiser.kMeans(fourBlobs(1), 4, 20, 42L);
        assertThat(centres).hasNumberOfRows(4);
        Set<Integer> blobsFound = new HashSet<>();
        for (float[] centre : centres) {
            assertThat(centre).hasSize(D);
            assertThat(norm(centre)).isCloseTo(1f, within(1e-5f));
            int blob = 0;
            for (int j = 1; j < D; j++) {
                blob = centre[j] > centre[blob] ? j : blob;
            }
            assertThat(centre[blob]).as("cosine with its planted direction").isGreaterThan(0.99f);
            blobsFound.add(blob);
        }
        assertThat(blobsFound).containsExactlyInAnyOrder(0, 1, 2, 3);
    }

    @Test
    void sameSeedGivesTheSameCentresAndAnotherSeedOtherSeeding() {
        Random random = new Random(5);
        float[][] points = new float[300][D];
        for (float[] p : points) {
            for (int j = 0; j < D; j++) {
                p[j] = (float) random.nextGaussian();
            }
        }
        float[][] a = CentreInitialiser.kMeans(points, 10, 3, 1L);
        float[][] b = CentreInitialiser.kMeans(points, 10, 3, 1L);
        float[][] c = CentreInitialiser.kMeans(points, 10, 3, 2L);
        assertThat(b).isDeepEqualTo(a);
        assertThat(Arrays.deepEquals(a, c)).isFalse();
    }

    @Test
    void fewerEmbeddingsThanCentresKeepsEveryEmbeddingAndPadsWithRandomUnitVectors() {
        float[][] points = {{3f, 4f}, {0f, -2f}, {1f, 0f}};
        float[][] centres = CentreInitialiser.kMeans(points, 5, 20, 7L);
        assertThat(centres).hasNumberOfRows(5);
        assertThat(centres[0]).containsExactly(new float[] {0.6f, 0.8f}, within(1e-6f));
        assertThat(centres[1]).containsExactly(new float[] {0f, -1f}, within(1e-6f));
        assertThat(centres[2]).containsExactly(new float[] {1f, 0f}, within(1e-6f));
        for (float[] centre : centres) {
            assertThat(norm(centre)).isCloseTo(1f, within(1e-5f));
        }
        assertThat(centres[3]).isNotEqualTo(centres[4]);
        assertThat(CentreInitialiser.kMeans(points, 5, 20, 7L)).isDeepEqualTo(centres);
    }

    @Test
    void zeroEmbeddingsStillGiveUnitCentres() {
        float[][] centres = CentreInitialiser.kMeans(new float[6][4], 3, 5, 3L);
        for (float[] centre : centres) {
            assertThat(norm(centre)).isCloseTo(1f, within(1e-5f));
        }
    }

    @Test
    void rejectsEmptyRaggedOrNonFiniteInput() {
        assertThatThrownBy(() -> CentreInitialiser.kMeans(new float[0][], 2, 1, 0L)).hasMessageContaining("at least one");
        assertThatThrownBy(() -> CentreInitialiser.kMeans(new float[][] {{1f, 2f}, {1f}}, 2, 1, 0L))
                .hasMessageContaining("width 2");
        assertThatThrownBy(() -> CentreInitialiser.kMeans(new float[][] {{1f, Float.NaN}}, 2, 1, 0L))
                .hasMessageContaining("non-finite");
    }
}
