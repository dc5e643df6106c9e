package io.intentstream.model.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.intentstream.model.Fusion;
import io.intentstream.model.cluster.ClusterLoss.Normalisation;
import io.intentstream.model.cluster.IntentContrast.Form;
import io.intentstream.model.cluster.SequenceContrast.CentreChoice;
import io.intentstream.model.tensor.NativeMemoryChurn;
import io.intentstream.model.training.TrainingLock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The losses of this package are built for autograd: a garbage collection between the forward and the backward
 * pass, with the freed native memory reused, leaves every gradient bit-identical. A scalar operand backed by a
 * Java buffer (DJL's {@code x.mul(2)}) fails this, because autograd reads the freed buffer in the backward pass.
 */
class GradientsUnderGarbageCollectionTest {

    private static final int B = 5;
    private static final int T = 4;
    private static final int D = 3;
    private static final int K = 3;

    /** A loss of the inputs: (b, d) embeddings, (k, d) centres, two (b, T, d) views. */
    private interface Loss {
        NDArray of(NDArray h, NDArray centres, NDArray view1, NDArray view2);
    }

    @Test
    void unitRowsGradientSurvivesGarbageCollection() throws InterruptedException {
        assertGradientsSurviveChurn((h, c, v1, v2) -> UnitRows.normalise(h).mul(c.get(0)).sum());
    }

    @Test
    void clusterLossGradientsSurviveGarbageCollection() throws InterruptedException {
        assertGradientsSurviveChurn((h, c, v1, v2) -> ClusterLoss.loss(UnitRows.normalise(h), c));
        for (Normalisation normalisation : Normalisation.values()) {
            assertGradientsSurviveChurn((h, c, v1, v2) -> ClusterLoss.closedForm(h, c, normalisation));
            assertGradientsSurviveChurn((h, c, v1, v2) -> ClusterLoss.pairwise(h, c, normalisation));
        }
        assertGradientsSurviveChurn((h, c, v1, v2) -> ClusterLoss.unitClosedForm(h, c));
    }

    @Test
    void sequenceContrastGradientsSurviveGarbageCollection() throws InterruptedException {
        assertGradientsSurviveChurn((h, c, v1, v2) -> SequenceContrast.ntXent(h, v1.mean(new int[] {1}), 0.3f));
        for (Fusion fusion : Fusion.values()) {
            for (CentreChoice choice : CentreChoice.values()) {
                assertGradientsSurviveChurn((h, c, v1, v2) -> SequenceContrast.loss(v1, v2, c, fusion, choice, 0.3f));
            }
        }
    }

    @Test
    void intentContrastGradientsSurviveGarbageCollection() throws InterruptedException {
        for (Form form : Form.values()) {
            assertGradientsSurviveChurn((h, c, v1, v2) -> IntentContrast.loss(v1.mean(new int[] {1}),
                    v2.mean(new int[] {1}), c, NearestCentre.nearest(h, c), 0.3f, form));
        }
    }

    private static void assertGradientsSurviveChurn(Loss loss) throws InterruptedException {
        List<float[]> calm = gradients(loss, false);
        for (int trial = 0; trial < 3; trial++) {
            List<float[]> churned = gradients(loss, true);
            for (int input = 0; input < calm.size(); input++) {
                assertThat(churned.get(input)).as("trial %d, input %d", trial, input).containsExactly(calm.get(input));
            }
        }
    }

    /** Gradients of the loss with respect to its four inputs (fixed data), optionally churning native memory. */
    private static List<float[]> gradients(Loss loss, boolean churn) throws InterruptedException {
        SplittableRandom random = new SplittableRandom(5);
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
                TrainingLock.Held ignored = TrainingLock.acquire()) {
            NDArray h = normal(manager, random, new Shape(B, D));
            NDArray centres = normal(manager, random, new Shape(K, D));
            NDArray view1 = normal(manager, random, new Shape(B, T, D));
            NDArray view2 = normal(manager, random, new Shape(B, T, D));
            List<NDArray> inputs = List.of(h, centres, view1, view2);
            for (NDArray input : inputs) {
                input.setRequiresGradient(true);
            }
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray value = loss.of(h, centres, view1, view2);
                if (churn) {
                    NativeMemoryChurn.churn();
                }
                collector.backward(value);
            }
            List<float[]> result = new ArrayList<>();
            for (NDArray input : inputs) {
                result.add(input.getGradient().toFloatArray());
            }
            return result;
        }
    }

    private static NDArray normal(NDManager manager, SplittableRandom random, Shape shape) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return manager.create(values, shape);
    }
}
