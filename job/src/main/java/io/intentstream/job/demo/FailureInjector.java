package io.intentstream.job.demo;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Makes a local job fail on purpose, the way Flink's own exactly-once tests do: a pass-through map, chained to an
 * operator of the job, that throws either while processing a record after a checkpoint has completed, or inside
 * a checkpoint (its snapshot), so that the job restarts from its last completed checkpoint.
 *
 * <p>Failure {@code j} (0-based) happens in an attempt that has passed {@code recordsBetween} records and seen at
 * least one checkpoint complete, so every attempt makes progress. Even failures throw after a completed checkpoint,
 * odd ones during the next checkpoint. What happened is kept per plan id in this JVM ({@link #progress}), which is
 * where a local MiniCluster runs its tasks: the injector must only be used with local executions.
 */
public final class FailureInjector<T> extends RichMapFunction<T, T> implements CheckpointedFunction,
        CheckpointListener {

    @Serial
    private static final long serialVersionUID = 1L;

    /** Where a failure was injected. */
    public enum Kind { AFTER_CHECKPOINT, DURING_CHECKPOINT }

    /** The exception the injector throws, so logs and causes show it was planned. */
    public static final class InjectedFailure extends RuntimeException {
        @Serial
        private static final long serialVersionUID = 1L;

        InjectedFailure(String message) {
            super(message);
        }
    }

    /**
     * @param id names the plan in {@link #progress}; unique per run
     * @param failures how many failures to inject over the run
     * @param recordsBetween records an attempt must pass before its failure
     * @param pauseNanosPerRecord slows the stream down (0: not at all), so a short run spans several checkpoints
     */
    public record Plan(String id, int failures, long recordsBetween, long pauseNanosPerRecord) implements Serializable {
        public Plan {
            Objects.requireNonNull(id, "id");
            if (failures < 0) {
                throw new IllegalArgumentException("failures must not be negative, got " + failures);
            }
            if (recordsBetween < 1) {
                throw new IllegalArgumentException("recordsBetween must be at least 1, got " + recordsBetween);
            }
            if (pauseNanosPerRecord < 0) {
                throw new IllegalArgumentException("pauseNanosPerRecord must not be negative, got "
                        + pauseNanosPerRecord);
            }
        }

        public static Kind kindOf(int failure) {
            return failure % 2 == 0 ? Kind.AFTER_CHECKPOINT : Kind.DURING_CHECKPOINT;
        }
    }

    /** What the injector did for one plan: the failures injected, in order, and the highest attempt seen. */
    public static final class Progress {
        private final List<Kind> injected = new ArrayList<>();
        private int highestAttempt;

        synchronized int injectedCount() {
            return injected.size();
        }

        synchronized void inject(Kind kind) {
            injected.add(kind);
        }

        synchronized void attemptStarted(int attempt) {
            highestAttempt = Math.max(highestAttempt, attempt);
        }

        public synchronized List<Kind> injected() {
            return List.copyOf(injected);
        }

        /** Restarts of the task the injector runs in: its highest attempt number (the first attempt is 0). */
        public synchronized int restarts() {
            return highestAttempt;
        }
    }

    private static final Map<String, Progress> PROGRESS = new ConcurrentHashMap<>();

    /** The progress of plan {@code id}; empty progress if it has not started. */
    public static Progress progress(String id) {
        return PROGRESS.computeIfAbsent(id, k -> new Progress());
    }

    /** Forgets plan {@code id}. */
    public static void forget(String id) {
        PROGRESS.remove(id);
    }

    private final Plan plan;

    private transient Progress progress;
    private transient long recordsThisAttempt;
    private transient boolean checkpointCompletedThisAttempt;
    private transient boolean failNextSnapshot;
    private transient int attempt;

    public FailureInjector(Plan plan) {
        this.plan = Objects.requireNonNull(plan, "plan");
    }

    @Override
    public void open(OpenContext openContext) {
        progress = progress(plan.id());
        attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
        progress.attemptStarted(attempt);
    }

    @Override
    public T map(T value) {
        if (plan.pauseNanosPerRecord() > 0) {
            LockSupport.parkNanos(plan.pauseNanosPerRecord());
        }
        recordsThisAttempt++;
        int next = progress.injectedCount();
        if (next < plan.failures() && !failNextSnapshot && checkpointCompletedThisAttempt
                && recordsThisAttempt >= plan.recordsBetween()) {
            if (Plan.kindOf(next) == Kind.AFTER_CHECKPOINT) {
                progress.inject(Kind.AFTER_CHECKPOINT);
                throw new InjectedFailure("Injected failure " + (next + 1) + " of " + plan.failures()
                        + " (after a completed checkpoint, attempt " + attempt + ", record " + recordsThisAttempt + ")");
            }
            failNextSnapshot = true;
        }
        return value;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) {
        if (failNextSnapshot) {
            failNextSnapshot = false;
            int next = progress.injectedCount();
            progress.inject(Kind.DURING_CHECKPOINT);
            throw new InjectedFailure("Injected failure " + (next + 1) + " of " + plan.failures()
                    + " (during checkpoint " + context.getCheckpointId() + ", attempt " + attempt + ")");
        }
    }

    @Override
    public void initializeState(FunctionInitializationContext context) {
        // No state: what was injected must survive the restarts it causes, so it lives outside the job.
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        checkpointCompletedThisAttempt = true;
    }
}
