package io.intentstream.model.offline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The JSON form of offline results (snake_case keys, indented) and crash-safe file writes. */
public final class OfflineJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private OfflineJson() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static String toJson(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One line, for comparing values rather than reading them. */
    public static String compactJson(Object value) {
        try {
            return MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code value} as JSON so that a reader never sees a half-written file. */
    public static void write(Path file, Object value) throws IOException {
        writeAtomically(file, MAPPER.writeValueAsBytes(value));
    }

    /**
     * Replaces {@code file} in one rename: a run that is killed, or a reader that polls the file while training
     * goes on, sees either the previous content or the new one.
     */
    public static void writeAtomically(Path file, byte[] content) throws IOException {
        Path absolute = file.toAbsolutePath();
        // Not Files.createTempFile: its owner-only permissions would end up on the result files.
        Path temp = absolute.resolveSibling(absolute.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.write(temp, content);
            Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
