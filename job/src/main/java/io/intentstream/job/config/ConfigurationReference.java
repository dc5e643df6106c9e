package io.intentstream.job.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.util.TimeUtils;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders docs/configuration.md from {@link IntentStreamOptions}: one table row per option (key, type, default,
 * description), grouped by the key's first segment, in declaration order. The file is generated, never edited by
 * hand; a test fails when it differs from what this renders.
 *
 * <pre>java -cp 'job/target/intent-stream-job.jar:job/target/lib/*' \
 *     io.intentstream.job.config.ConfigurationReference docs/configuration.md</pre>
 */
public final class ConfigurationReference {

    private ConfigurationReference() {}

    public static final String REGENERATE_COMMAND =
            // Flink is provided, not shaded into the jar: package copies it to job/target/lib.
            "java -cp 'job/target/intent-stream-job.jar:job/target/lib/*' "
                    + "io.intentstream.job.config.ConfigurationReference docs/configuration.md";

    public static String render() {
        StringBuilder md = new StringBuilder();
        md.append("# Configuration reference\n\n")
                .append("<!-- Generated from IntentStreamOptions by ConfigurationReference; do not edit. Regenerate with\n")
                .append("     ").append(REGENERATE_COMMAND).append(" -->\n\n")
                .append("Every setting of the intent-stream job. Pass them as `--key value` after the job jar (`flink run`,\n")
                .append("`spec.job.args` of a FlinkDeployment) or to `./intent-stream demo`. The job validates all of them at\n")
                .append("start and names the offending option in its error. Durations take a unit (`30 s`, `10 min`, `200 ms`).\n")
                .append("Flink's own settings (state backend, checkpoint storage, restart strategy, metrics reporters) belong\n")
                .append("in the cluster configuration: see [operations.md](operations.md).\n");
        Map<String, List<Field>> sections = new LinkedHashMap<>();
        for (Field field : optionFields()) {
            String key = option(field).key();
            sections.computeIfAbsent(key.substring(0, key.indexOf('.')), s -> new java.util.ArrayList<>()).add(field);
        }
        for (Map.Entry<String, List<Field>> section : sections.entrySet()) {
            md.append("\n## ").append(section.getKey()).append("\n\n")
                    .append("| key | type | default | description |\n")
                    .append("|---|---|---|---|\n");
            for (Field field : section.getValue()) {
                ConfigOption<?> option = option(field);
                md.append("| `").append(option.key()).append("` | ")
                        .append(typeName(field)).append(" | ")
                        .append(defaultText(option)).append(" | ")
                        .append(escape(IntentStreamOptions.descriptionText(option))).append(" |\n");
            }
        }
        return md.toString();
    }

    private static List<Field> optionFields() {
        return Arrays.stream(IntentStreamOptions.class.getDeclaredFields())
                .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class)
                .toList();
    }

    private static ConfigOption<?> option(Field field) {
        try {
            return (ConfigOption<?>) field.get(null);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String typeName(Field field) {
        Type type = ((ParameterizedType) field.getGenericType()).getActualTypeArguments()[0];
        Class<?> raw = (Class<?>) type;
        if (raw.isEnum()) {
            return "enum: " + String.join(", ",
                    Arrays.stream(raw.getEnumConstants()).map(e -> ((Enum<?>) e).name()).toList());
        }
        return raw.getSimpleName();
    }

    private static String defaultText(ConfigOption<?> option) {
        if (!option.hasDefaultValue()) {
            return "(none)";
        }
        Object value = option.defaultValue();
        String text = value instanceof Duration d ? TimeUtils.formatWithHighestUnit(d)
                : value instanceof Enum<?> e ? e.name()
                : String.valueOf(value);
        return "`" + text + "`";
    }

    private static String escape(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    /** Writes the reference to the given file (docs/configuration.md). */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ConfigurationReference OUTPUT.md");
            System.exit(2);
        }
        Path output = Path.of(args[0]);
        if (output.getParent() != null) {
            Files.createDirectories(output.getParent());
        }
        Files.writeString(output, render(), StandardCharsets.UTF_8);
        System.out.println("wrote " + output.toAbsolutePath());
    }
}
