package io.intentstream.job.bench;

import io.intentstream.job.source.InteractionRecord;

import java.io.IOException;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * The first {@code limit} records of another single-reader format: a prefix of a replayed stream (such as the
 * benchmark interleaving of {@link io.intentstream.job.replay.BenchmarkSequenceFormat}) without copying the file.
 * After a failure Flink re-reads the file and skips what was emitted, which counts those records here too.
 */
final class StreamPrefixFormat extends SimpleStreamFormat<InteractionRecord> {

    private static final long serialVersionUID = 1L;

    private final SimpleStreamFormat<InteractionRecord> format;
    private final long limit;

    StreamPrefixFormat(SimpleStreamFormat<InteractionRecord> format, long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        this.format = format;
        this.limit = limit;
    }

    @Override
    public StreamFormat.Reader<InteractionRecord> createReader(Configuration config, FSDataInputStream stream)
            throws IOException {
        StreamFormat.Reader<InteractionRecord> reader = format.createReader(config, stream);
        return new StreamFormat.Reader<>() {
            private long read;

            @Override
            public InteractionRecord read() throws IOException {
                if (read >= limit) {
                    return null;
                }
                read++;
                return reader.read();
            }

            @Override
            public void close() throws IOException {
                reader.close();
            }
        };
    }

    @Override
    public TypeInformation<InteractionRecord> getProducedType() {
        return format.getProducedType();
    }
}
