package io.intentstream.job.source;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.Interaction;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static io.intentstream.job.TestInteractions.interaction;
import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterRoutingTest {

    private static final String TOPIC = "interactions";

    private final InteractionDeserializationSchema deserializer = new InteractionDeserializationSchema();
    private OneInputStreamOperatorTestHarness<InteractionRecord, Interaction> router;

    @BeforeEach
    void setUp() throws Exception {
        router = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new DeadLetterRouter()));
        router.setup();
        router.open();
        router.setProcessingTime(42_000);
    }

    @AfterEach
    void tearDown() throws Exception {
        router.close();
    }

    static byte[] encode(Interaction interaction) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new SpecificDatumWriter<>(Interaction.class).write(interaction, encoder);
        encoder.flush();
        return bytes.toByteArray();
    }

    private void route(byte[] value, int partition, long offset) throws Exception {
        router.processElement(new StreamRecord<>(deserializer.decode(value, TOPIC, partition, offset)));
    }

    private List<DeadLetter> deadLetters() {
        var side = router.getSideOutput(DeadLetterRouter.DEAD_LETTERS);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }

    @Test
    void passesValidInteractionsThroughUnchanged() throws Exception {
        Interaction valid = interaction("e1", "u1", "i1", 1_000);
        route(encode(valid), 0, 7);

        assertThat(router.extractOutputValues()).containsExactly(valid);
        assertThat(deadLetters()).isEmpty();
    }

    @Test
    void sendsGarbageBytesToDeadLettersWithSourceCoordinates() throws Exception {
        byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 1, 2, 3};
        route(garbage, 3, 1234);

        assertThat(router.extractOutputValues()).isEmpty();
        DeadLetter letter = deadLetters().get(0);
        assertThat(letter.getReason()).startsWith("UNDECODABLE: ");
        assertThat(letter.getSourceTopic()).isEqualTo(TOPIC);
        assertThat(letter.getSourcePartition()).isEqualTo(3);
        assertThat(letter.getSourceOffset()).isEqualTo(1234);
        assertThat(bytes(letter.getPayload())).isEqualTo(garbage);
        assertThat(letter.getFailedAt()).isEqualTo(Instant.ofEpochMilli(42_000));
    }

    @Test
    void sendsTruncatedAndOverlongRecordsToDeadLetters() throws Exception {
        byte[] valid = encode(interaction("e1", "u1", "i1", 1_000));
        route(Arrays.copyOf(valid, valid.length - 3), 0, 1);
        route(Arrays.copyOf(valid, valid.length + 2), 0, 2);

        assertThat(deadLetters()).extracting(DeadLetter::getReason)
                .allSatisfy(reason -> assertThat(reason).startsWith("UNDECODABLE: "));
        assertThat(deadLetters()).extracting(DeadLetter::getSourceOffset).containsExactly(1L, 2L);
        assertThat(deadLetters().get(1).getReason()).contains("trailing bytes");
    }

    @Test
    void sendsANullValueToDeadLettersWithAnEmptyPayload() throws Exception {
        route(null, 1, 5);

        DeadLetter letter = deadLetters().get(0);
        assertThat(letter.getReason()).isEqualTo("UNDECODABLE: value is null");
        assertThat(bytes(letter.getPayload())).isEmpty();
    }

    @Test
    void sendsHugeDeclaredLengthsToDeadLettersWithoutAllocatingThem() throws Exception {
        // A varint string length of about 1 GB followed by nothing: must fail fast, not allocate a gigabyte.
        byte[] hugeLength = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08};
        long start = System.nanoTime();
        route(hugeLength, 0, 9);

        assertThat(deadLetters().get(0).getReason()).startsWith("UNDECODABLE: ");
        assertThat(System.nanoTime() - start).isLessThan(2_000_000_000L);
    }

    @Test
    void sendsRecordsFailingValidationToDeadLettersWithTheRule() throws Exception {
        route(encode(interaction("e1", " ", "i1", 1_000)), 0, 10);
        route(encode(interaction("e2", "u1", "", 1_000)), 0, 11);
        route(encode(interaction("", "u1", "i1", 1_000)), 0, 12);
        route(encode(interaction("e4", "u1", "i1", -5)), 0, 13);

        assertThat(router.extractOutputValues()).isEmpty();
        assertThat(deadLetters()).extracting(DeadLetter::getReason).containsExactly(
                "INVALID: user_id is blank",
                "INVALID: item_id is blank",
                "INVALID: event_id is blank",
                "INVALID: event_time is negative (-5 ms)");
        assertThat(deadLetters()).extracting(DeadLetter::getSourceOffset).containsExactly(10L, 11L, 12L, 13L);
        assertThat(bytes(deadLetters().get(0).getPayload()))
                .isEqualTo(encode(interaction("e1", " ", "i1", 1_000)));
    }

    @Test
    void rejectedRecordsCannotMoveTheWatermark() throws Exception {
        InteractionRecord invalid = deserializer.decode(encode(interaction("e", "u", "i", -5)), TOPIC, 0, 0);
        InteractionRecord valid = deserializer.decode(encode(interaction("e", "u", "i", 5)), TOPIC, 0, 1);

        assertThat(invalid.eventTimeOrMin()).isEqualTo(Long.MIN_VALUE);
        assertThat(valid.eventTimeOrMin()).isEqualTo(5);
    }
}
