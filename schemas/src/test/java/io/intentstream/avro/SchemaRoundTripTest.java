package io.intentstream.avro;

import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SchemaRoundTripTest {

    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00.123Z");

    @SuppressWarnings("unchecked")
    static <T extends SpecificRecord> T roundTrip(T record) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new SpecificDatumWriter<T>((Class<T>) record.getClass()).write(record, encoder);
        encoder.flush();
        SpecificDatumReader<T> reader = new SpecificDatumReader<>((Class<T>) record.getClass());
        return reader.read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
    }

    @Test
    void interactionRoundTripsWithContextAndEventType() throws IOException {
        Interaction interaction = Interaction.newBuilder()
                .setEventId("e-1").setUserId("u-1").setItemId("i-1").setEventTime(T0)
                .setEventType("purchase").setContext(Map.of("device", "mobile", "locale", "de-CH"))
                .build();
        assertThat(roundTrip(interaction)).isEqualTo(interaction);
    }

    @Test
    void interactionDefaultsOptionalFields() throws IOException {
        Interaction minimal = Interaction.newBuilder()
                .setEventId("e-2").setUserId("u-1").setItemId("i-1").setEventTime(T0).build();
        assertThat(minimal.getEventType()).isNull();
        assertThat(minimal.getContext()).isEmpty();
        assertThat(roundTrip(minimal)).isEqualTo(minimal);
    }

    @Test
    void interactionWithoutEventIdRoundTripsAsNull() throws IOException {
        Interaction anonymous = Interaction.newBuilder()
                .setUserId("u-1").setItemId("i-1").setEventTime(T0).build();
        assertThat(anonymous.getEventId()).isNull();
        assertThat(roundTrip(anonymous).getEventId()).isNull();
    }

    @Test
    void interactionWrittenWithThePreviousSchemaKeepsItsEventId() throws IOException {
        Schema previous;
        try (var in = SchemaRoundTripTest.class.getResourceAsStream("/previous/Interaction.avsc")) {
            previous = new Schema.Parser().parse(in);
        }
        org.apache.avro.generic.GenericRecord old = new org.apache.avro.generic.GenericData.Record(previous);
        old.put("event_id", "e-old");
        old.put("user_id", "u-1");
        old.put("item_id", "i-1");
        old.put("event_time", T0.toEpochMilli());
        old.put("event_type", null);
        old.put("context", Map.of());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new org.apache.avro.generic.GenericDatumWriter<org.apache.avro.generic.GenericRecord>(previous)
                .write(old, encoder);
        encoder.flush();

        Interaction read = new SpecificDatumReader<Interaction>(previous, Interaction.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));

        assertThat(read.getEventId()).isEqualTo("e-old");
        assertThat(read.getUserId()).isEqualTo("u-1");
    }

    @Test
    void timestampsKeepMillisecondPrecision() throws IOException {
        Interaction interaction = Interaction.newBuilder()
                .setEventId("e").setUserId("u").setItemId("i").setEventTime(T0.plusNanos(456_789)).build();
        assertThat(roundTrip(interaction).getEventTime()).isEqualTo(T0.truncatedTo(ChronoUnit.MILLIS));
    }

    @Test
    void intentAssignmentRoundTrips() throws IOException {
        IntentAssignment assignment = IntentAssignment.newBuilder()
                .setEventId("e-1").setUserId("u-1").setEventTime(T0).setEmitTime(T0.plusMillis(250))
                .setModelVersion(17L).setClusterId(3).setClusterDistance(0.25f)
                .setRunnerUpClusterId(9).setRunnerUpDistance(0.5f)
                .build();
        assertThat(roundTrip(assignment)).isEqualTo(assignment);
    }

    @Test
    void recommendationRoundTripsWithRankedItems() throws IOException {
        Recommendation recommendation = Recommendation.newBuilder()
                .setEventId("e-1").setUserId("u-1").setEventTime(T0).setModelVersion(17L)
                .setItems(List.of(new ScoredItem("i-9", 3.5f), new ScoredItem("i-2", 1.25f)))
                .build();
        Recommendation copy = roundTrip(recommendation);
        assertThat(copy).isEqualTo(recommendation);
        assertThat(copy.getItems()).extracting(ScoredItem::getItemId).containsExactly("i-9", "i-2");
    }

    @Test
    void deadLetterRoundTripsThePayloadByteForByte() throws IOException {
        byte[] payload = {0, (byte) 0xff, 42, (byte) 0x80};
        DeadLetter letter = DeadLetter.newBuilder()
                .setPayload(ByteBuffer.wrap(payload)).setReason("UNDECODABLE: EOFException")
                .setSourceTopic("interactions").setSourcePartition(2).setSourceOffset(1_000_000_000_000L)
                .setFailedAt(T0)
                .build();
        DeadLetter copy = roundTrip(letter);
        assertThat(copy).isEqualTo(letter);
        byte[] decoded = new byte[copy.getPayload().remaining()];
        copy.getPayload().duplicate().get(decoded);
        assertThat(decoded).isEqualTo(payload);
    }

    @Test
    void everyFieldIsDocumented() {
        for (Schema schema : List.of(Interaction.getClassSchema(), IntentAssignment.getClassSchema(),
                Recommendation.getClassSchema(), ScoredItem.getClassSchema(), DeadLetter.getClassSchema())) {
            assertThat(schema.getDoc()).as(schema.getName()).isNotBlank();
            schema.getFields().forEach(f -> assertThat(f.doc()).as(schema.getName() + "." + f.name()).isNotBlank());
        }
    }
}
