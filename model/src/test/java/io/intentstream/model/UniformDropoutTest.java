package io.intentstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.intentstream.model.encoder.UniformDropout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UniformDropoutTest {

    private NDManager manager;
    private ParameterStore store;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
        store = new ParameterStore(manager, false);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void trainingZeroesTheRateAndScalesTheRestByItsInverse() {
        UniformDropout dropout = new UniformDropout(0.3f);
        NDArray ones = manager.ones(new Shape(200, 500));
        float[] out = dropout.forward(store, new NDList(ones), true).singletonOrThrow().toFloatArray();
        int zeros = 0;
        for (float v : out) {
            if (v == 0f) {
                zeros++;
            } else {
                assertThat(v).isCloseTo(1f / 0.7f, within(1e-6f));
            }
        }
        assertThat((double) zeros / out.length).isCloseTo(0.3, within(0.01));
    }

    @Test
    void evaluationIsTheIdentity() {
        NDArray x = manager.randomNormal(new Shape(4, 5));
        NDArray out = new UniformDropout(0.5f).forward(store, new NDList(x), false).singletonOrThrow();
        assertThat(out.toFloatArray()).containsExactly(x.toFloatArray());
    }

    @Test
    void theMaskIsAFunctionOfTheEngineSeed() {
        UniformDropout dropout = new UniformDropout(0.5f);
        NDArray ones = manager.ones(new Shape(64));
        manager.getEngine().setRandomSeed(3);
        float[] first = dropout.forward(store, new NDList(ones), true).singletonOrThrow().toFloatArray();
        manager.getEngine().setRandomSeed(3);
        float[] again = dropout.forward(store, new NDList(ones), true).singletonOrThrow().toFloatArray();
        manager.getEngine().setRandomSeed(4);
        float[] other = dropout.forward(store, new NDList(ones), true).singletonOrThrow().toFloatArray();
        assertThat(again).containsExactly(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void rejectsRatesOutsideZeroToOne() {
        assertThatThrownBy(() -> new UniformDropout(1f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 1)");
    }
}
