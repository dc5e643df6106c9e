package io.intentstream.model.training;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The JVM-wide lock around every training step and every seeded parameter draw.
 *
 * <p>Two facts make one lock per JVM necessary: DJL's PyTorch gradient collector refuses a second open
 * collector anywhere in the JVM, and the engine's random generator (dropout, initialisation) is global, so a
 * step's randomness is only a function of its seed if no other thread draws between seeding and use.
 * Anything in this JVM that opens a DJL gradient collector should hold this lock while it is open.
 */
public final class TrainingLock {

    private static final ReentrantLock LOCK = new ReentrantLock(true);

    private TrainingLock() {}

    /** Acquires the lock; release it by closing the returned handle. */
    public static Held acquire() {
        LOCK.lock();
        return new Held();
    }

    /** Acquires the lock within {@code timeout}, or throws. */
    public static Held acquire(long timeout, TimeUnit unit) throws InterruptedException {
        if (!LOCK.tryLock(timeout, unit)) {
            throw new IllegalStateException("the training lock was not free within " + timeout + " " + unit);
        }
        return new Held();
    }

    public static boolean isHeldByCurrentThread() {
        return LOCK.isHeldByCurrentThread();
    }

    /** A held lock; {@link #close()} releases it once. */
    public static final class Held implements AutoCloseable {
        private boolean released;

        private Held() {}

        @Override
        public void close() {
            if (!released) {
                released = true;
                LOCK.unlock();
            }
        }
    }
}
