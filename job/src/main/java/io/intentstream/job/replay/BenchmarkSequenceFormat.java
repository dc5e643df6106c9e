package io.intentstream.job.replay;

import io.intentstream.job.source.InteractionRecord;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * Flink file format for benchmark sequence files (see {@link BenchmarkInterleaving}). Not splittable: the
 * interleaving needs the lines in file order, and one reader per file is what keeps each user's items in order.
 * After a failure the reader starts the file again and skips the records it had emitted (what
 * {@link SimpleStreamFormat} does), which gives the same records since the interleaving is deterministic.
 */
public final class BenchmarkSequenceFormat extends SimpleStreamFormat<InteractionRecord> {

    private static final long serialVersionUID = 1L;

    private final String sourceName;
    private final int activeUsers;
    private final int heldOutPerUser;

    /**
     * @param sourceName what the records name as their origin (the dead letters' source topic), e.g. the path
     * @param activeUsers users interleaved at once
     * @param heldOutPerUser items left out at the end of every user (2: the leave-one-out holdout)
     */
    public BenchmarkSequenceFormat(String sourceName, int activeUsers, int heldOutPerUser) {
        if (activeUsers < 1) {
            throw new IllegalArgumentException("activeUsers must be at least 1, got " + activeUsers);
        }
        if (heldOutPerUser < 0) {
            throw new IllegalArgumentException("heldOutPerUser must not be negative, got " + heldOutPerUser);
        }
        this.sourceName = sourceName;
        this.activeUsers = activeUsers;
        this.heldOutPerUser = heldOutPerUser;
    }

    @Override
    public StreamFormat.Reader<InteractionRecord> createReader(Configuration config, FSDataInputStream stream) {
        BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.US_ASCII), 1 << 16);
        BenchmarkInterleaving events = new BenchmarkInterleaving(lines, sourceName, activeUsers, heldOutPerUser);
        return new StreamFormat.Reader<>() {
            @Override
            public InteractionRecord read() throws IOException {
                return events.next();
            }

            @Override
            public void close() throws IOException {
                lines.close();
            }
        };
    }

    @Override
    public TypeInformation<InteractionRecord> getProducedType() {
        return TypeInformation.of(InteractionRecord.class);
    }
}
