package io.intentstream.model.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Provokes the use-after-free that Java-backed scalars cause under autograd (see {@link Scalars}): collections
 * free the direct buffers nobody references any more, and fresh small buffers full of 7s reuse that memory, so a
 * backward pass that reads a freed scalar sees 7 instead of its value.
 */
public final class NativeMemoryChurn {

    private NativeMemoryChurn() {}

    /** Call between the forward and the backward pass. */
    public static void churn() throws InterruptedException {
        List<ByteBuffer> junk = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            System.gc();
            Thread.sleep(5);
            for (int i = 0; i < 1000; i++) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
                buffer.putFloat(0, 7f);
                junk.add(buffer);
            }
        }
    }
}
