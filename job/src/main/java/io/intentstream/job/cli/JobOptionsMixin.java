package io.intentstream.job.cli;

import io.intentstream.job.config.IntentStreamOptions;

import java.util.ArrayList;
import java.util.List;

import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Unmatched;

/**
 * The job's settings ({@link IntentStreamOptions}, and Flink's own keys) given as {@code --key value} or
 * {@code --key=value} after a command's own options.
 */
public final class JobOptionsMixin {

    @Unmatched
    List<String> arguments = new ArrayList<>();

    /**
     * The settings as a configuration.
     *
     * @throws IllegalArgumentException naming the argument when one is not a job or Flink setting; Flink keys
     *     always contain a dot, so a dot-less key is a mistyped command option
     */
    public Configuration configuration() {
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
