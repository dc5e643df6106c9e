package io.intentstream.model.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.intentstream.model.training.TorchThreads;
import java.time.Duration;

/**
 * The processor's fp32 matrix-multiply rate through the same engine and thread setting the model uses
 * ({@link TorchThreads}): repeated products of two n x n matrices, 2n³ FLOPs each.
 */
public final class MatmulPeak {

    /** Products timed before measuring: the first ones pay for thread start-up and page faults. */
    private static final int WARM_UP_PRODUCTS = 2;

    private MatmulPeak() {}

    /**
     * @param size n, the side of the square matrices (2048 is large enough for libtorch's GEMM to reach its
     *     rate on a few cores and small enough for one product to take a fraction of a second)
     * @param minProducts products to time at least
     * @param budget time after which no further product is started once {@code minProducts} are done
     */
    public static Timings measure(int size, int minProducts, Duration budget) {
        if (size < 1 || minProducts < 1) {
            throw new IllegalArgumentException("size and minProducts must be positive, got " + size + " and "
                    + minProducts);
        }
        TorchThreads.engine();
        double flops = 2.0 * size * size * size;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray a = manager.randomUniform(-1f, 1f, new Shape(size, size), DataType.FLOAT32);
            NDArray b = manager.randomUniform(-1f, 1f, new Shape(size, size), DataType.FLOAT32);
            for (int i = 0; i < WARM_UP_PRODUCTS; i++) {
                a.matMul(b).close();
            }
            Timings.Recorder recorder = new Timings.Recorder(flops);
            long deadline = System.nanoTime() + budget.toNanos();
            while (recorder.count() < minProducts || System.nanoTime() < deadline) {
                long start = System.nanoTime();
                // libtorch's CPU products are synchronous: the call returns with the result computed.
                a.matMul(b).close();
                recorder.add(System.nanoTime() - start);
            }
            return recorder.timings();
        }
    }
}
