package io.intentstream.job.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.junit.jupiter.api.Test;

class SavepointStopTest {

    private static CompletableFuture<String> refused(CheckpointFailureReason reason) {
        return CompletableFuture.failedFuture(new RuntimeException("stop refused", new CheckpointException(reason)));
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
        assertThatThrownBy(() -> SavepointStop.askUntilTasksRun(() -> {
                    asked.incrementAndGet();
                    return refused(CheckpointFailureReason.IO_EXCEPTION);
                }, Duration.ofSeconds(10)))
                .isInstanceOf(ExecutionException.class)
                .hasRootCauseInstanceOf(CheckpointException.class);
        assertThat(asked).hasValue(1);
    }

    @Test
    void givesUpAfterTheTimeout() {
        AtomicInteger asked = new AtomicInteger();
        assertThatThrownBy(() -> SavepointStop.askUntilTasksRun(() -> {
                    asked.incrementAndGet();
                    return refused(CheckpointFailureReason.NOT_ALL_REQUIRED_TASKS_RUNNING);
                }, Duration.ofMillis(300)))
                .isInstanceOf(ExecutionException.class);
        assertThat(asked.get()).isBetween(2, 10);
    }
}
