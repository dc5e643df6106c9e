package io.intentstream.job.source;

import io.intentstream.avro.Interaction;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.Objects;

/**
 * Decodes Kafka values as plain Avro binary {@link Interaction}s and never throws: a record that does not decode
 * becomes a rejected {@link InteractionRecord}, so one bad message cannot fail the job in a restart loop.
 */
public final class InteractionDeserializationSchema implements KafkaRecordDeserializationSchema<InteractionRecord> {

    private static final long serialVersionUID = 1L;

    private final InteractionValidation validation;

    private transient SpecificDatumReader<Interaction> reader;
    private transient BinaryDecoder decoder;

    /** Checks decoded interactions with the default rules. */
    public InteractionDeserializationSchema() {
        this(InteractionValidation.DEFAULTS);
    }

    public InteractionDeserializationSchema(InteractionValidation validation) {
        this.validation = Objects.requireNonNull(validation, "validation");
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<InteractionRecord> out) {
        out.collect(decode(record.value(), record.topic(), record.partition(), record.offset()));
    }

    /** Decoding of one value, exposed for tests and for sources other than Kafka. */
    public InteractionRecord decode(byte[] value, String topic, int partition, long offset) {
        return decode(value, topic, partition, offset, System.currentTimeMillis());
    }

    /** Decoding of one value as if read at {@code nowMillis} (wall clock; bounds event times in the future). */
    public InteractionRecord decode(byte[] value, String topic, int partition, long offset, long nowMillis) {
        if (value == null) {
            return InteractionRecord.undecodable(null, "value is null", topic, partition, offset);
        }
        if (reader == null) {
            reader = new SpecificDatumReader<>(Interaction.class);
        }
        Interaction interaction;
        try {
            // A dry run that only skips: Avro allocates a string's declared length before reading it, so garbage
            // declaring a 1 GB string would allocate 1 GB. Skipping checks every length against the bytes there are.
            decoder = DecoderFactory.get().binaryDecoder(value, decoder);
            GenericDatumReader.skip(Interaction.getClassSchema(), decoder);
            if (!decoder.isEnd()) {
                return InteractionRecord.undecodable(value, "trailing bytes after an Interaction", topic, partition,
                        offset);
            }
            decoder = DecoderFactory.get().binaryDecoder(value, decoder);
            interaction = reader.read(null, decoder);
        } catch (Exception e) {
            // Garbage can make Avro fail in many ways (EOF, negative lengths, bad union index, huge allocations
            // refused by Avro's limits); the reason keeps the exception type because messages are often null.
            decoder = null;
            return InteractionRecord.undecodable(value, e.getClass().getSimpleName() + ": " + e.getMessage(), topic,
                    partition, offset);
        }
        return InteractionRecord.decoded(interaction, value, topic, partition, offset, validation, nowMillis);
    }

    @Override
    public TypeInformation<InteractionRecord> getProducedType() {
        return TypeInformation.of(InteractionRecord.class);
    }
}
