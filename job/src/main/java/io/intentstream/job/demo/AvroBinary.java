package io.intentstream.job.demo;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;

import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;

/** Plain Avro binary (no header, no fingerprint), the wire format of every intent-stream topic. */
public final class AvroBinary {

    private AvroBinary() {}

    public static <T extends SpecificRecordBase> byte[] encode(T record) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
        try {
            @SuppressWarnings("unchecked")
            SpecificDatumWriter<T> writer = new SpecificDatumWriter<>((Class<T>) record.getClass());
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot encode " + record.getSchema().getName(), e);
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes exactly one record of {@code type} that fills all of {@code bytes}.
     *
     * @throws IllegalArgumentException if the bytes are not such a record
     */
    public static <T extends SpecificRecordBase> T decode(byte[] bytes, Class<T> type) {
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, null);
        try {
            T record = new SpecificDatumReader<>(type).read(null, decoder);
            if (!decoder.isEnd()) {
                throw new IllegalArgumentException("Trailing bytes after a " + type.getSimpleName());
            }
            return record;
        } catch (EOFException e) {
            throw new IllegalArgumentException("Truncated " + type.getSimpleName(), e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("Not a " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
