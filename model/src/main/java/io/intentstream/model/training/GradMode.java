package io.intentstream.model.training;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Switches libtorch's autograd recording for the current thread, restoring the previous mode on close.
 *
 * <p>Autograd mode is thread-local in libtorch and starts enabled on every thread except the one that loaded
 * the engine. Inference must disable it explicitly or it records graphs it never uses; in-place parameter
 * updates must disable it because libtorch forbids them on leaves that require gradients.
 */
public final class GradMode implements AutoCloseable {

    private final boolean previous;

    private GradMode(boolean enabled) {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
    }

    /** No recording until {@link #close()}. */
    public static GradMode disabled() {
        return new GradMode(false);
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
