package io.intentstream.model.training;

import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * libtorch's intra-op thread count, a setting of the whole process.
 *
 * <p>Default 1. libtorch's OpenMP workers spin while they wait; when other threads (Flink's, another job's)
 * compete for this machine's 2 cores, every parallel operator then waits for a descheduled spinner. Measured
 * here under load (about 7 runnable threads on 2 cores), one training step at B=256, T=50, d=64, 12,101 items,
 * next-item loss: 523 ms with 1 thread, 2,419 ms with 2 threads, 392 ms with 2 threads and
 * {@code OMP_WAIT_POLICY=PASSIVE} in the environment. On an otherwise idle machine, set
 * {@code -Dintentstream.torch.threads=2} (with {@code OMP_WAIT_POLICY=PASSIVE} where anything else runs).
 * DJL's own {@code -Dai.djl.pytorch.num_threads}, when given, takes precedence and is left alone.
 */
public final class TorchThreads {

    /** System property with the intra-op thread count applied at the first model's creation. */
    public static final String PROPERTY = "intentstream.torch.threads";

    private static final String DJL_PROPERTY = "ai.djl.pytorch.num_threads";
    private static final AtomicBoolean APPLIED = new AtomicBoolean();

    private TorchThreads() {}

    /**
     * Applies {@link #PROPERTY} (default 1) once per JVM, unless DJL's property was given. Call after the
     * PyTorch engine is loaded.
     */
    public static void applyDefaultOnce() {
        if (APPLIED.compareAndSet(false, true) && System.getProperty(DJL_PROPERTY) == null) {
            int threads = Integer.getInteger(PROPERTY, 1);
            if (threads < 1) {
                throw new IllegalArgumentException(PROPERTY + " must be at least 1, got " + threads);
            }
            JniUtils.setNumThreads(threads);
        }
    }

    /** The current intra-op thread count. */
    public static int current() {
        return JniUtils.getNumThreads();
    }
}
