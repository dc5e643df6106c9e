package io.intentstream.job.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class RunResourcesTest {

    @Test
    void closesResourcesNewestFirstAndGoesOnPastOneThatFails() {
        List<String> closed = new ArrayList<>();
        RunResources run = new RunResources("test");
        run.register(() -> closed.add("directory"));
        run.register(() -> {
            closed.add("broker");
            throw new IllegalStateException("broker would not stop");
        });
        run.register(() -> closed.add("reader"));

        run.close();
        run.close();

        assertThat(closed).containsExactly("reader", "broker", "directory");
        assertThat(run.isClosed()).isTrue();
    }

    @Test
    void refusesAndClosesAResourceRegisteredAfterTheStop() {
        List<String> closed = new ArrayList<>();
        RunResources run = new RunResources("replay");
        run.close();

        assertThatThrownBy(() -> run.register(() -> closed.add("late broker")))
                .isInstanceOf(IllegalStateException.class).hasMessage("The replay was stopped");
        assertThat(closed).containsExactly("late broker");
        assertThatThrownBy(() -> run.submit(null, "job"))
                .isInstanceOf(IllegalStateException.class).hasMessage("The replay was stopped");
    }

    @Test
    void rootMessageNamesTheInnermostCause() {
        Exception e = new RuntimeException("outer", new IllegalStateException("wrapped",
                new java.io.IOException("disk full")));
        assertThat(RunResources.rootMessage(e)).isEqualTo("IOException: disk full");
    }
}
