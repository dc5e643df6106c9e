package io.intentstream.job.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeadLetterMetricsTest {

    @Test
    void theReasonCodeIsTheWordBeforeTheColon() {
        assertThat(DeadLetterMetrics.reasonCode("UNDECODABLE: truncated record")).isEqualTo("UNDECODABLE");
        assertThat(DeadLetterMetrics.reasonCode("INVALID: event_time before 2000")).isEqualTo("INVALID");
        assertThat(DeadLetterMetrics.reasonCode("DUPLICATE")).isEqualTo("DUPLICATE");
    }

    @Test
    void anythingThatIsNotAShortCodeIsCountedAsOtherSoLabelsStayBounded() {
        assertThat(DeadLetterMetrics.reasonCode(null)).isEqualTo(DeadLetterMetrics.OTHER);
        assertThat(DeadLetterMetrics.reasonCode("user 123 sent garbage: x")).isEqualTo(DeadLetterMetrics.OTHER);
        assertThat(DeadLetterMetrics.reasonCode("A".repeat(40) + ": long")).isEqualTo(DeadLetterMetrics.OTHER);
    }
}
