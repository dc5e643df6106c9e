package io.intentstream.job.replay;

import io.intentstream.avro.Interaction;
import io.intentstream.job.demo.AvroBinary;
import io.intentstream.job.source.InteractionRecord;

import java.io.IOException;

import org.apache.avro.file.DataFileStream;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * Flink file format for Avro container files of {@link Interaction} records (any writer schema that resolves to
 * ours). Records come out in file order with their own event time; each is checked like a Kafka record, so an
 * invalid one goes to the dead letters with its Avro binary encoding as payload and its record number as offset.
 * One reader per file (not splittable), so a file written in per-user time order is replayed in that order.
 */
public final class AvroInteractionFormat extends SimpleStreamFormat<InteractionRecord> {

    private static final long serialVersionUID = 1L;

    private final String sourceName;

    public AvroInteractionFormat(String sourceName) {
        this.sourceName = sourceName;
    }

    @Override
    public StreamFormat.Reader<InteractionRecord> createReader(Configuration config, FSDataInputStream stream)
            throws IOException {
        DataFileStream<Interaction> records = new DataFileStream<>(stream, new SpecificDatumReader<>(Interaction.class));
        return new StreamFormat.Reader<>() {
            private long recordNumber;

            @Override
            public InteractionRecord read() {
                if (!records.hasNext()) {
                    return null;
                }
                Interaction interaction = records.next();
                return InteractionRecord.decoded(interaction, AvroBinary.encode(interaction), sourceName, 0,
                        recordNumber++);
            }

            @Override
            public void close() throws IOException {
                records.close();
            }
        };
    }

    @Override
    public TypeInformation<InteractionRecord> getProducedType() {
        return TypeInformation.of(InteractionRecord.class);
    }
}
