package io.intentstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import io.intentstream.model.training.AdamOptimizer;
import io.intentstream.model.training.TrainingLock;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdamOptimizerTest {

    @Test
    void followsPyTorchsBiasCorrectedUpdate() {
        float lr = 0.1f;
        float beta1 = 0.9f;
        float beta2 = 0.999f;
        float eps = 1e-8f;
        double[] gradients = {0.5, -3.0};
        double[][] perStep = {{1.0, 2.0}, {-0.25, 0.5}}; // gradient scale of each step
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
                TrainingLock.Held ignored = TrainingLock.acquire()) {
            NDArray parameter = manager.create(new float[] {1f, -2f});
            parameter.setRequiresGradient(true);
            AdamOptimizer adam = new AdamOptimizer(manager, List.of("p"), List.of(parameter), lr, beta1, beta2, eps);
            double[] p = {1, -2};
            double[] m = new double[2];
            double[] v = new double[2];
            for (int step = 1; step <= perStep.length; step++) {
                double[] g = {gradients[0] * perStep[step - 1][0], gradients[1] * perStep[step - 1][1]};
                try (NDScope scope = new NDScope()) {
                    try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                        collector.backward(parameter.mul(manager.create(new float[] {(float) g[0], (float) g[1]})).sum());
                    }
                    adam.step(new boolean[] {true});
                    adam.zeroGradients();
                }
                for (int i = 0; i < 2; i++) {
                    m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                    v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                    double denominator = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(beta2, step)) + eps;
                    p[i] -= lr / (1 - Math.pow(beta1, step)) * m[i] / denominator;
                }
                float[] actual = parameter.toFloatArray();
                assertThat((double) actual[0]).as("step %d", step).isCloseTo(p[0], within(1e-5));
                assertThat((double) actual[1]).as("step %d", step).isCloseTo(p[1], within(1e-5));
            }
            assertThat(adam.stepCount()).isEqualTo(2);
            adam.close();
        }
    }

    @Test
    void inactiveParametersKeepTheirValuesAndMoments() {
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
                TrainingLock.Held ignored = TrainingLock.acquire()) {
            NDArray active = manager.create(new float[] {1f});
            NDArray inactive = manager.create(new float[] {1f});
            active.setRequiresGradient(true);
            inactive.setRequiresGradient(true);
            AdamOptimizer adam = new AdamOptimizer(manager, List.of("a", "b"), List.of(active, inactive), 0.1f,
                    0.9f, 0.999f, 1e-8f);
            byte[] before = adam.encodeState();
            try (NDScope scope = new NDScope()) {
                try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                    collector.backward(active.add(inactive).sum());
                }
                adam.step(new boolean[] {true, false});
            }
            assertThat(active.toFloatArray()[0]).isLessThan(1f);
            assertThat(inactive.toFloatArray()).containsExactly(1f);
            assertThat(adam.encodeState()).isNotEqualTo(before);
            adam.close();
        }
    }
}
