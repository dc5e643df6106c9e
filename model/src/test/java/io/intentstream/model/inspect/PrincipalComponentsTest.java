package io.intentstream.model.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PrincipalComponentsTest {

    @Test
    void twoDirectionsOfLargestSpreadBecomeTheAxesAndSeparateTheGroups() {
        // Two groups of unit-ish vectors around +x and -x with a little noise elsewhere: the first axis must
        // separate them, and carry most of the variance.
        SplittableRandom random = new SplittableRandom(1);
        float[][] embeddings = new float[200][];
        for (int i = 0; i < embeddings.length; i++) {
            float sign = i < 100 ? 1f : -1f;
            embeddings[i] = new float[] {sign, (float) (0.05 * random.nextGaussian()),
                (float) (0.05 * random.nextGaussian()), (float) (0.05 * random.nextGaussian())};
        }
        float[][] centres = {{1, 0, 0, 0}, {-1, 0, 0, 0}};
        PrincipalComponents.Projection p = PrincipalComponents.project(centres, embeddings);

        assertThat(p.centres()).hasNumberOfRows(2);
        assertThat(p.embeddings()).hasNumberOfRows(200);
        assertThat(p.explainedVariance()[0]).isGreaterThan(0.9);
        assertThat(p.explainedVariance()[0] + p.explainedVariance()[1]).isLessThanOrEqualTo(1.0 + 1e-9);
        double firstCentre = p.centres()[0][0];
        assertThat(Math.abs(firstCentre)).isCloseTo(1.0, within(0.05));
        assertThat(p.centres()[1][0]).isCloseTo(-firstCentre, within(1e-3));
        for (int i = 0; i < 200; i++) {
            // Each embedding lands on its own centre's side of the first axis.
            assertThat(Math.signum(p.embeddings()[i][0])).isEqualTo(Math.signum(i < 100 ? firstCentre : -firstCentre));
        }
    }

    @Test
    void rowsAreNormalisedBeforeProjection() {
        float[][] centres = {{2, 0}, {0, 3}};
        float[][] embeddings = {{10, 0}, {0, 0.5f}};
        PrincipalComponents.Projection p = PrincipalComponents.project(centres, embeddings);
        // The long and the short vector along the same direction as a centre land on that centre.
        assertThat(p.embeddings()[0][0]).isCloseTo(p.centres()[0][0], within(1e-9));
        assertThat(p.embeddings()[1][1]).isCloseTo(p.centres()[1][1], within(1e-9));
    }

    @Test
    void rejectsRowsOfDifferentWidth() {
        assertThatThrownBy(() -> PrincipalComponents.project(new float[][] {{1, 0}}, new float[][] {{1, 0, 0}}))
                .hasMessageContaining("row 1 has 3 dimensions, expected 2");
    }
}
