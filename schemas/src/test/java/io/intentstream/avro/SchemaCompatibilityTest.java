package io.intentstream.avro;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * BACKWARD compatibility: every current schema must read data written with its previous released version, so a
 * new job version can consume topics (and restore Avro state) written by the old one.
 *
 * <p>Release step: when a schema version ships, copy {@code src/main/avro/X.avsc} over
 * {@code src/test/resources/previous/X.avsc} in the release commit. Changes after that are checked against it. A
 * schema without a previous version fails this test on purpose: add the file when adding the schema.
 */
class SchemaCompatibilityTest {

    static List<Schema> currentSchemas() {
        return List.of(Interaction.getClassSchema(), IntentAssignment.getClassSchema(),
                Recommendation.getClassSchema(), DeadLetter.getClassSchema());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("currentSchemas")
    void currentSchemaReadsDataWrittenWithThePreviousVersion(Schema current) throws IOException {
        Schema previous = previousVersionOf(current);

        SchemaCompatibility.SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(current, previous);

        assertThat(result.getType())
                .as("%s must read data written with its previous version: %s", current.getFullName(),
                        result.getResult().getIncompatibilities())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    @org.junit.jupiter.api.Test
    void detectsARequiredFieldAddedWithoutDefault() {
        // The guard itself: a change that breaks old data must be reported, or the test above proves nothing.
        String json = Interaction.getClassSchema().toString();
        Schema broken = new Schema.Parser().parse(json.replace("\"fields\":[",
                "\"fields\":[{\"name\":\"session_id\",\"type\":\"string\"},"));

        assertThat(SchemaCompatibility.checkReaderWriterCompatibility(broken, Interaction.getClassSchema()).getType())
                .isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    private static Schema previousVersionOf(Schema current) throws IOException {
        String resource = "/previous/" + current.getName() + ".avsc";
        try (InputStream in = SchemaCompatibilityTest.class.getResourceAsStream(resource)) {
            assertThat(in)
                    .as("No previous version of %s at src/test/resources%s: copy the released .avsc there",
                            current.getFullName(), resource)
                    .isNotNull();
            return new Schema.Parser().parse(in);
        }
    }
}
