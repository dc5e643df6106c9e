package io.intentstream.job.replay;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.intentstream.job.config.IntentStreamOptions;
import org.junit.jupiter.api.Test;

/** A replay (a backfill) refuses scoring.mode SEPARATE, whose answers depend on timing. */
class ReplayScoringModeTest {

    @Test
    void aReplayRunsWithInlineScoringOnly() {
        assertThatCode(() -> ReplayRunner.requireInlineScoring(IntentStreamOptions.fromArgs())).doesNotThrowAnyException();
        assertThatCode(() -> ReplayRunner.requireInlineScoring(IntentStreamOptions.fromArgs("--scoring.mode", "INLINE")))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> ReplayRunner.requireInlineScoring(
                IntentStreamOptions.fromArgs("--scoring.mode", "SEPARATE")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scoring.mode");
    }
}
