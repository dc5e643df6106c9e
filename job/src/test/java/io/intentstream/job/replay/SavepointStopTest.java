package io.intentstream.job.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.junit.jupiter.api.Test;

class SavepointStopTest {

    private static CompletableFuture<String> refused(CheckpointFailureReason reason) {
        return CompletableFuture.failedFuture(new RuntimeException("stop refused", new CheckpointException(reason)));
    }

    /** A stop Flink always refuses for {@code reason}, counting the times it is asked. */
    private static Supplier<CompletableFuture<String>> alwaysRefused(CheckpointFailureReason reason,
            AtomicInteger asked) {
        return () -> {
            asked.incrementAndGet();
            return refused(reason);
        };
    }

    @Test
    void asksAgainWhileTasksAreStillDeploying() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        String savepoint = SavepointStop.askUntilTasksRun(() -> asked.incrementAndGet() < 3
                ? refused(CheckpointFailureReason.NOT_ALL_REQUIRED_TASKS_RUNNING)
                : CompletableFuture.completedFuture("file:/savepoints/sp-1"), Duration.ofSeconds(10));

        assertThat(savepoint).isEqualTo("file:/savepoints/sp-1");
        assertThat(asked).hasValue(3);
    }

    @Test
    void anyOtherRefusalFailsAtOnce() {
        AtomicInteger asked = new AtomicInteger();
        assertThatThrownBy(() -> SavepointStop.askUntilTasksRun(
                        alwaysRefused(CheckpointFailureReason.IO_EXCEPTION, asked), Duration.ofSeconds(10)))
                .isInstanceOf(ExecutionException.class)
                .hasRootCauseInstanceOf(CheckpointException.class);
        assertThat(asked).hasValue(1);
    }

    @Test
    void anAttemptAfterARefusalWaitsOnlyForWhatIsLeftOfTheTimeout() {
        AtomicInteger asked = new AtomicInteger();
        long start = System.nanoTime();
        // Refused late in the second, then never answered: the stop must end with the second, not a second later.
        assertThatThrownBy(() -> SavepointStop.askUntilTasksRun(() -> {
            if (asked.incrementAndGet() == 1) {
                sleepMillis(700);
                return refused(CheckpointFailureReason.NOT_ALL_REQUIRED_TASKS_RUNNING);
            }
            return new CompletableFuture<>();
        }, Duration.ofSeconds(1)))
                .isInstanceOf(TimeoutException.class);
        assertThat(asked).hasValue(2);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1_500));
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void givesUpAfterTheTimeout() {
        AtomicInteger asked = new AtomicInteger();
        assertThatThrownBy(() -> SavepointStop.askUntilTasksRun(
                        alwaysRefused(CheckpointFailureReason.NOT_ALL_REQUIRED_TASKS_RUNNING, asked),
                        Duration.ofMillis(300)))
                .isInstanceOf(ExecutionException.class);
        assertThat(asked.get()).isBetween(2, 10);
    }
}
