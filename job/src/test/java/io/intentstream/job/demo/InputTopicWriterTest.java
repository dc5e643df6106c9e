package io.intentstream.job.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.intentstream.avro.Interaction;

import org.junit.jupiter.api.Test;

class InputTopicWriterTest {

    private static final InteractionEvent EVENT = new InteractionEvent("e-1", "u-1", "item-7", 1_704_067_200_000L);

    @Test
    void validEventsRoundTripThroughPlainAvroBinary() {
        Interaction decoded = AvroBinary.decode(AvroBinary.encode(InputTopicWriter.toAvro(EVENT)), Interaction.class);
        assertThat(decoded.getEventId()).isEqualTo("e-1");
        assertThat(decoded.getUserId()).isEqualTo("u-1");
        assertThat(decoded.getItemId()).isEqualTo("item-7");
        assertThat(decoded.getEventTime().toEpochMilli()).isEqualTo(1_704_067_200_000L);
        assertThat(decoded.getEventType()).isNull();
    }

    @Test
    void undecodableKindsDoNotDecodeAsAnInteraction() {
        for (InputTopicWriter.MalformedKind kind : InputTopicWriter.MalformedKind.values()) {
            byte[] value = InputTopicWriter.malformedValue(kind, EVENT, 0);
            if (kind.undecodable()) {
                assertThatThrownBy(() -> AvroBinary.decode(value, Interaction.class))
                        .as(kind.name()).isInstanceOf(IllegalArgumentException.class);
            } else {
                Interaction decoded = AvroBinary.decode(value, Interaction.class);
                assertThat(decoded.getUserId().isBlank() || decoded.getItemId().isBlank()).as(kind.name()).isTrue();
            }
        }
    }

    @Test
    void trailingBytesAfterARecordAreRejected() {
        byte[] valid = AvroBinary.encode(InputTopicWriter.toAvro(EVENT));
        byte[] longer = java.util.Arrays.copyOf(valid, valid.length + 1);
        assertThatThrownBy(() -> AvroBinary.decode(longer, Interaction.class)).hasMessageContaining("Trailing bytes");
    }
}
