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
    /** 2024-01-01: inside the default bounds; records are decoded as if read one minute later. */
    private static final long T0 = 1_704_067_200_000L;
    private static final long NOW = T0 + 60_000;

    private final InteractionDeserializationSchema deserializer = new InteractionDeserializationSchema();
    private OneInputStreamOperatorTestHarness<InteractionRecord, InteractionRecord> router;

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
        router.processElement(new StreamRecord<>(deserializer.decode(value, TOPIC, partition, offset, NOW)));
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
        Interaction valid = interaction("e1", "u1", "i1", T0);
        route(encode(valid), 0, 7);

        assertThat(router.extractOutputValues()).singleElement().satisfies(record -> {
            assertThat(record.interaction).isEqualTo(valid);
            assertThat(record.offset).isEqualTo(7);
            assertThat(record.payload).as("kept for a later duplicate dead letter").isEqualTo(encode(valid));
        });
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
        byte[] valid = encode(interaction("e1", "u1", "i1", T0));
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
        route(encode(interaction("e1", " ", "i1", T0)), 0, 10);
        route(encode(interaction("e2", "u1", "", T0)), 0, 11);
        route(encode(interaction("", "u1", "i1", T0)), 0, 12);
        route(encode(interaction("e4", "u1", "i1", -5)), 0, 13);

        assertThat(router.extractOutputValues()).isEmpty();
        assertThat(deadLetters()).extracting(DeadLetter::getReason).containsExactly(
                "INVALID: user_id is blank",
                "INVALID: item_id is blank",
                "INVALID: event_id is blank",
                "INVALID: event_time is negative (-5 ms)");
        assertThat(deadLetters()).extracting(DeadLetter::getSourceOffset).containsExactly(10L, 11L, 12L, 13L);
        assertThat(bytes(deadLetters().get(0).getPayload()))
                .isEqualTo(encode(interaction("e1", " ", "i1", T0)));
    }

    @Test
    void rejectedRecordsCannotMoveTheWatermark() throws Exception {
        InteractionRecord invalid = deserializer.decode(encode(interaction("e", "u", "i", -5)), TOPIC, 0, 0, NOW);
        InteractionRecord valid = deserializer.decode(encode(interaction("e", "u", "i", T0 + 5)), TOPIC, 0, 1, NOW);

        assertThat(invalid.eventTimeOrMin()).isEqualTo(Long.MIN_VALUE);
        assertThat(valid.eventTimeOrMin()).isEqualTo(T0 + 5);
    }

    @Test
    void rejectsIdsLongerThanTheLimitAndTimestampsOutsideTheBounds() throws Exception {
        String longId = "x".repeat(257);
        route(encode(interaction(longId, "u1", "i1", T0)), 0, 20);
        route(encode(interaction("e2", longId, "i1", T0)), 0, 21);
        route(encode(interaction("e3", "u1", longId, T0)), 0, 22);
        route(encode(interaction("e4", "u1", "i1", 946_684_799_999L)), 0, 23); // 1 ms before 2000
        route(encode(interaction("e5", "u1", "i1", NOW + 3_600_001)), 0, 24);
        route(encode(interaction("e6", "u1", "x".repeat(256), NOW + 3_600_000)), 0, 25); // both at the limit

        assertThat(deadLetters()).extracting(DeadLetter::getReason).containsExactly(
                "INVALID: event_id is 257 characters long (at most 256)",
                "INVALID: user_id is 257 characters long (at most 256)",
                "INVALID: item_id is 257 characters long (at most 256)",
                "INVALID: event_time 1999-12-31T23:59:59.999Z is before the earliest accepted 2000-01-01T00:00:00Z",
                "INVALID: event_time 2024-01-01T01:01:00.001Z is more than PT1H after the wall clock "
                        + "(2024-01-01T00:01:00Z)");
        assertThat(router.extractOutputValues()).extracting(r -> r.interaction.getEventId()).containsExactly("e6");
    }

    @Test
    void derivesAStableEventIdFromTheContentWhenTheProducerGivesNone() throws Exception {
        Interaction anonymous = Interaction.newBuilder().setEventId(null).setUserId("u1").setItemId("i1")
                .setEventTime(Instant.ofEpochMilli(T0)).setEventType("view").build();
        route(encode(anonymous), 0, 30);
        route(encode(anonymous), 3, 99); // the same event again, elsewhere: a producer's retry
        route(encode(Interaction.newBuilder(anonymous).setEventType("cart").build()), 0, 31);
        route(encode(Interaction.newBuilder(anonymous).setEventTime(Instant.ofEpochMilli(T0 + 1)).build()), 0, 32);

        List<String> ids = router.extractOutputValues().stream().map(r -> r.interaction.getEventId()).toList();
        assertThat(ids).hasSize(4).allSatisfy(id -> assertThat(id).startsWith(EventIds.DERIVED_PREFIX).hasSize(40));
        assertThat(ids.get(1)).as("stable: same content, same id").isEqualTo(ids.get(0));
        assertThat(ids.subList(1, 4)).as("event type and time are part of the event").doesNotHaveDuplicates();
        assertThat(ids.get(0)).isEqualTo(EventIds.derive(anonymous));
    }

    @Test
    void derivedIdsKeepFieldBoundaries() {
        Interaction ab = interaction(null, "ab", "c", T0);
        Interaction a = interaction(null, "a", "bc", T0);
        assertThat(EventIds.derive(ab)).isNotEqualTo(EventIds.derive(a));
    }
}
