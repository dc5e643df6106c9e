package io.intentstream.model.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class LibtorchOwnedTest {

    @Test
    void theCopyHoldsTheDataAfterTheJavaBackedArrayIsClosedAndItsMemoryReused() throws InterruptedException {
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            NDArray javaBacked = manager.create(new float[] {0.5f, -2f, 3f, 0.25f}, new Shape(2, 2));
            NDArray owned = LibtorchOwned.copyOf(javaBacked);
            assertThat(javaBacked.isReleased()).isTrue();
            NativeMemoryChurn.churn();
            assertThat(owned.getShape()).isEqualTo(new Shape(2, 2));
            assertThat(owned.toFloatArray()).containsExactly(0.5f, -2f, 3f, 0.25f);
        }
    }
}
