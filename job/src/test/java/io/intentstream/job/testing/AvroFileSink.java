package io.intentstream.job.testing;

import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A test sink that writes Avro container files, one per subtask attempt, into a directory; {@link #read} collects
 * them afterwards. Results travel through files instead of static lists, so parallel sinks need no shared state.
 */
public final class AvroFileSink<T extends SpecificRecordBase> implements Sink<T> {

    private static final long serialVersionUID = 1L;

    private final String directory;
    private final Class<T> type;

    public AvroFileSink(Path directory, Class<T> type) {
        this.directory = directory.toAbsolutePath().toString();
        this.type = type;
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
        File file = new File(directory, "part-" + context.getTaskInfo().getIndexOfThisSubtask() + "-"
                + context.getTaskInfo().getAttemptNumber() + ".avro");
        DataFileWriter<T> writer = new DataFileWriter<>(new SpecificDatumWriter<>(type));
        T prototype;
        try {
            prototype = type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IOException(e);
        }
        writer.create(prototype.getSchema(), file);
        return new SinkWriter<>() {
            @Override
            public void write(T element, Context ctx) throws IOException {
                writer.append(element);
            }

            @Override
            public void flush(boolean endOfInput) throws IOException {
                writer.flush();
            }

            @Override
            public void close() throws IOException {
                writer.close();
            }
        };
    }

    /** Every record written into {@code directory} by any subtask. */
    public static <T extends SpecificRecordBase> List<T> read(Path directory, Class<T> type) throws IOException {
        List<T> records = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".avro")).sorted().toList()) {
                try (DataFileReader<T> reader = new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(type))) {
                    reader.forEach(records::add);
                }
            }
        }
        return records;
    }
}
