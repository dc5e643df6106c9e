package io.intentstream.job.cli;

import io.intentstream.job.replay.BenchmarkInterleaving;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --active-users A} of the commands that turn a benchmark file into an event stream: how many users
 * {@link BenchmarkInterleaving} interleaves. Used as an initialised picocli {@code @Mixin} whose default depends on
 * how much of the file the command streams: {@link #forPrefix} for the first {@code --events} of it
 * ({@code demo --data}, {@code bench}), {@link #forWholeFile} for all of it ({@code replay}).
 */
final class ActiveUsersOption {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--active-users", paramLabel = "A",
            description = "Benchmark files: users interleaved at any time (many mix many users into each "
                    + "mini-batch, as a busy stream does; few keep whole histories in a prefix of --events). "
                    + "Default: ${DEFAULT-VALUE}.")
    int count;

    private ActiveUsersOption(int defaultCount) {
        this.count = defaultCount;
    }

    /** For a prefix of a file: a few dozen users at a time, so the prefix holds whole histories of its first users. */
    static ActiveUsersOption forPrefix() {
        return new ActiveUsersOption(BenchmarkInterleaving.PREFIX_ACTIVE_USERS);
    }

    /** For a whole file: thousands of users at a time, so its batches mix users as a busy live stream's do. */
    static ActiveUsersOption forWholeFile() {
        return new ActiveUsersOption(BenchmarkInterleaving.WHOLE_FILE_ACTIVE_USERS);
    }

    /** The count, checked: a usage error of the command unless at least 1. */
    int value() {
        if (count < 1) {
            throw new ParameterException(command.commandLine(), "--active-users must be at least 1, got " + count);
        }
        return count;
    }
}
