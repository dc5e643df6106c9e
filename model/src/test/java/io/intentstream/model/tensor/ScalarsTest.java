package io.intentstream.model.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import io.intentstream.model.training.TrainingLock;
import org.junit.jupiter.api.Test;

class ScalarsTest {

    /**
     * Between forward and backward, collections run and small direct buffers full of 7s are allocated, so memory
     * freed by a collection is reused. With DJL's {@code x.mul(3f)} this gives a gradient of 7 (the scalar's
     * freed buffer was reused); a libtorch-owned scalar keeps the gradient at exactly 3.
     */
    @Test
    void scalarOperandSurvivesGarbageCollectionBetweenForwardAndBackward() throws InterruptedException {
        Engine engine = Engine.getEngine("PyTorch");
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
                TrainingLock.Held ignored = TrainingLock.acquire()) {
            NDArray x = manager.create(new float[] {1f, 2f});
            x.setRequiresGradient(true);
            for (int trial = 0; trial < 5; trial++) {
                try (NDScope scope = new NDScope()) {
                    try (GradientCollector collector = engine.newGradientCollector()) {
                        NDArray loss = x.mul(Scalars.like(x, 3f)).sum();
                        NativeMemoryChurn.churn();
                        collector.backward(loss);
                    }
                    assertThat(x.getGradient().toFloatArray()).as("trial %d", trial).containsExactly(3f, 3f);
                    ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) x);
                }
            }
        }
    }
}
