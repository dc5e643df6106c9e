package io.intentstream.job.replay;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.apache.flink.util.ExceptionUtils;

/**
 * Stops a job with a savepoint, asking again while Flink refuses because not all of its tasks are running: a job
 * just submitted, or restarting after a failover, is still deploying tasks, and Flink would take the savepoint a
 * moment later. Any other refusal, or the timeout, is the caller's.
 */
public final class SavepointStop {

    private static final long RETRY_PAUSE_MILLIS = 100;

    private SavepointStop() {}

    /**
     * @param drain whether to drain the pipeline (end of input) before the savepoint
     * @param flinkDirectory where the savepoint goes, under {@code savepoints/}
     * @return the savepoint's path
     */
    public static String stop(JobClient job, boolean drain, Path flinkDirectory, Duration timeout) throws Exception {
        String target = flinkDirectory.resolve("savepoints").toUri().toString();
        return askUntilTasksRun(() -> job.stopWithSavepoint(drain, target, SavepointFormatType.CANONICAL), timeout);
    }

    static String askUntilTasksRun(Supplier<CompletableFuture<String>> stop, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                // Each attempt waits only for what is left of the timeout, so the whole stop keeps to it.
                long remaining = Math.max(0, deadline - System.nanoTime());
                return stop.get().get(remaining, TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (!tasksNotYetRunning(e) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(RETRY_PAUSE_MILLIS);
            }
        }
    }

    private static boolean tasksNotYetRunning(ExecutionException e) {
        return ExceptionUtils.findThrowable(e, CheckpointException.class)
                .filter(c -> c.getCheckpointFailureReason() == CheckpointFailureReason.NOT_ALL_REQUIRED_TASKS_RUNNING)
                .isPresent();
    }
}
