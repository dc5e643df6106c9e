package io.intentstream.job.cli;

import io.intentstream.job.config.IntentStreamOptions;

import java.util.List;

import org.apache.flink.configuration.Configuration;

/**
 * Turns the job settings given after a command's own options ({@link IntentStreamOptions} and Flink's own keys,
 * as {@code --key value} or {@code --key=value}) into a configuration. Commands collect them with picocli's
 * {@code @Unmatched}.
 */
final class JobSettingsArguments {

    private JobSettingsArguments() {}

    /**
     * @throws IllegalArgumentException naming the argument when one is not a job or Flink setting; Flink keys
     *     always contain a dot, so a dot-less key is a mistyped command option
     */
    static Configuration parse(List<String> arguments) {
        for (String argument : arguments) {
            if (argument.startsWith("--")) {
                String key = argument.substring(2).split("=", 2)[0];
                if (!key.contains(".")) {
                    throw new IllegalArgumentException("Unknown option --" + key
                            + " (job settings look like --model.clusters 8; see --help)");
                }
            }
        }
        return IntentStreamOptions.fromArgs(arguments.toArray(String[]::new));
    }
}
