package io.intentstream.model.training;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Loads the PyTorch engine with an intra-op thread setting that suits a 2-core machine shared with other work.
 *
 * <p>libtorch's OpenMP workers spin while they wait for work. When other threads (Flink's, Kafka's, another
 * process) compete for the cores, every parallel operator then waits for a descheduled spinner. Measured here,
 * one next-item step at B=256, T=50, d=64, 12,101 items, about 7 runnable threads on the 2 cores: 523 ms with 1
 * thread, 2,419 ms with 2 spinning threads, 392 ms with 2 threads and {@code OMP_WAIT_POLICY=PASSIVE}; on a
 * quiet machine 128 ms with 1 thread and 103 ms with 2 (full objective 451 and 308 ms), passive or not.
 *
 * <p>So: if libgomp is not loaded yet and the environment does not set {@code OMP_WAIT_POLICY}, this sets it to
 * PASSIVE in the process environment (libgomp reads it once, when it loads) and uses 2 threads; if libgomp was
 * already loaded with spinning workers, it uses 1 thread. {@code -Dintentstream.torch.threads=N} overrides the
 * count, and DJL's {@code -Dai.djl.pytorch.num_threads}, when given, is left to DJL.
 */
public final class TorchThreads {

    /** System property with the intra-op thread count. */
    public static final String PROPERTY = "intentstream.torch.threads";

    private static final String ENGINE = "PyTorch";
    private static final String DJL_PROPERTY = "ai.djl.pytorch.num_threads";
    private static final String WAIT_POLICY = "OMP_WAIT_POLICY";
    private static boolean configured;
    private static boolean passiveWorkers;

    private TorchThreads() {}

    /** The PyTorch engine, loaded and its threads configured on the first call. */
    public static synchronized Engine engine() {
        if (configured) {
            return Engine.getEngine(ENGINE);
        }
        passiveWorkers = preparePassiveWorkers();
        Engine engine = Engine.getEngine(ENGINE);
        if (System.getProperty(DJL_PROPERTY) == null) {
            int threads = Integer.getInteger(PROPERTY, passiveWorkers ? 2 : 1);
            if (threads < 1) {
                throw new IllegalArgumentException(PROPERTY + " must be at least 1, got " + threads);
            }
            JniUtils.setNumThreads(threads);
        }
        configured = true;
        return engine;
    }

    /** The current intra-op thread count. */
    public static int current() {
        return JniUtils.getNumThreads();
    }

    /** Whether libtorch's OpenMP workers sleep rather than spin while waiting. */
    public static synchronized boolean passiveWorkers() {
        return passiveWorkers;
    }

    private static boolean preparePassiveWorkers() {
        String policy = System.getenv(WAIT_POLICY);
        if (policy != null) {
            return policy.trim().toUpperCase(Locale.ROOT).equals("PASSIVE");
        }
        if (!libgompNotLoadedYet()) {
            return false;
        }
        try {
            return Native.load("c", CLibrary.class).setenv(WAIT_POLICY, "PASSIVE", 0) == 0;
        } catch (LinkageError noLibc) {
            return false;
        }
    }

    /** True only when /proc/self/maps can be read and libgomp is not mapped in it. */
    private static boolean libgompNotLoadedYet() {
        try (Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
            return maps.noneMatch(line -> line.contains("libgomp"));
        } catch (IOException | RuntimeException unreadable) {
            return false;
        }
    }

    /** libc's {@code int setenv(const char*, const char*, int)}. */
    interface CLibrary extends Library {
        int setenv(String name, String value, int overwrite);
    }
}
