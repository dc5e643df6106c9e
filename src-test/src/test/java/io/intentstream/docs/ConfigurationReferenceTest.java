package io.intentstream.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.intentstream.job.config.ConfigurationReference;
import io.intentstream.job.config.IntentStreamOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

/** docs/configuration.md is generated from the ConfigOptions; it must never drift from them. */
class ConfigurationReferenceTest {

    private static final Path REFERENCE = Path.of("").toAbsolutePath().getParent().resolve("docs/configuration.md");

    @Test
    void theCommittedReferenceIsExactlyWhatTheOptionsRenderTo() throws IOException {
        assertThat(REFERENCE).isRegularFile();
        assertThat(Files.readString(REFERENCE))
                .as("docs/configuration.md is out of date with IntentStreamOptions; regenerate it with `%s` "
                        + "(after mvn -pl job -am package -DskipTests)", ConfigurationReference.REGENERATE_COMMAND)
                .isEqualTo(ConfigurationReference.render());
    }

    @Test
    void everyOptionHasARowWithItsKeyDefaultAndDescription() {
        String rendered = ConfigurationReference.render();
        for (ConfigOption<?> option : IntentStreamOptions.all()) {
            String row = rendered.lines().filter(l -> l.startsWith("| `" + option.key() + "` |")).findFirst()
                    .orElseThrow(() -> new AssertionError("no row for " + option.key()));
            assertThat(row).contains(IntentStreamOptions.descriptionText(option).replace("|", "\\|"));
            assertThat(row).contains(option.hasDefaultValue() ? "`" : "(none)");
        }
    }
}
