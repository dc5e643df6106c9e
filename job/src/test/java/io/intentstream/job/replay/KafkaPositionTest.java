package io.intentstream.job.replay;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaPositionTest {

    @Test
    void parsesEveryForm() {
        assertThat(KafkaPosition.parse("earliest")).isEqualTo(new KafkaPosition.Earliest());
        assertThat(KafkaPosition.parse("LATEST")).isEqualTo(new KafkaPosition.Latest());
        assertThat(KafkaPosition.parse("timestamp:1700000000000"))
                .isEqualTo(new KafkaPosition.AtTimestamp(1_700_000_000_000L));
        assertThat(KafkaPosition.parse("timestamp:2023-11-14T22:13:20Z"))
                .isEqualTo(new KafkaPosition.AtTimestamp(1_700_000_000_000L));
        assertThat(KafkaPosition.parse("offsets:0=12, 1=40"))
                .isEqualTo(new KafkaPosition.AtOffsets(Map.of(0, 12L, 1, 40L)));
    }

    @Test
    void rejectsWhatIsNotAPosition() {
        assertThatThrownBy(() -> KafkaPosition.parse("yesterday")).hasMessageContaining("is not a position");
        assertThatThrownBy(() -> KafkaPosition.parse("timestamp:soon")).hasMessageContaining("ISO-8601");
        assertThatThrownBy(() -> KafkaPosition.parse("offsets:0=1,0=2")).hasMessageContaining("each partition once");
        assertThatThrownBy(() -> KafkaPosition.parse("offsets:0=-1")).hasMessageContaining("not be negative");
        assertThatThrownBy(() -> new KafkaPosition.Earliest().asStop("t")).hasMessageContaining("cannot stop");
    }
}
