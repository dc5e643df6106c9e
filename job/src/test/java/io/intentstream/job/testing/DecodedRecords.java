package io.intentstream.job.testing;

import io.intentstream.job.source.InteractionDeserializationSchema;
import io.intentstream.job.source.InteractionRecord;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * Generates raw Kafka values and decodes them as the job's Kafka source does, so that a generated stream meets the
 * same decoding, and the same decoding failures, as records read from a topic.
 */
public abstract class DecodedRecords implements GeneratorFunction<Long, InteractionRecord> {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private transient InteractionDeserializationSchema decoder;

    protected DecodedRecords(String topic) {
        this.topic = topic;
    }

    /** The raw value of record {@code index}, as a producer would have written it. */
    protected abstract byte[] value(long index);

    @Override
    public InteractionRecord map(Long index) {
        if (decoder == null) {
            decoder = new InteractionDeserializationSchema();
        }
        return decoder.decode(value(index), topic, 0, index);
    }
}
