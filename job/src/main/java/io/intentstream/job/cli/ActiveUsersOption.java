package io.intentstream.job.cli;

import io.intentstream.job.replay.BenchmarkInterleaving;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --active-users A} of the commands that turn a benchmark file into an event stream: how many users
 * {@link BenchmarkInterleaving} interleaves. Used as a picocli {@code @Mixin}, in one of two kinds that differ in
 * their default only: {@link ForPrefix} for the commands that stream the first {@code --events} of a file
 * ({@code demo --data}, {@code bench}), {@link ForWholeFile} for the one that streams all of it ({@code replay}).
 */
abstract class ActiveUsersOption {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The count as given, or the kind's default. */
    abstract int count();

    /** The count, checked: a usage error of the command unless at least 1. */
    final int value() {
        if (count() < 1) {
            throw new ParameterException(command.commandLine(),
                    "--active-users must be at least 1, got " + count());
        }
        return count();
    }

    /** A prefix of a file: a few dozen users at a time, so the prefix holds whole histories of its first users. */
    static final class ForPrefix extends ActiveUsersOption {

        @Option(names = "--active-users", paramLabel = "A",
                defaultValue = "" + BenchmarkInterleaving.PREFIX_ACTIVE_USERS,
                description = "Benchmark files: users interleaved at any time (few, so the first --events hold "
                        + "whole histories of the first users). Default: ${DEFAULT-VALUE}.")
        int count;

        @Override
        int count() {
            return count;
        }
    }

    /** A whole file: thousands of users at a time, so its batches mix users as a busy live stream's do. */
    static final class ForWholeFile extends ActiveUsersOption {

        @Option(names = "--active-users", paramLabel = "A",
                defaultValue = "" + BenchmarkInterleaving.WHOLE_FILE_ACTIVE_USERS,
                description = "Benchmark files: users interleaved at any time (many, so a mini-batch holds a few "
                        + "items each of many users, as on a busy live stream). Default: ${DEFAULT-VALUE}.")
        int count;

        @Override
        int count() {
            return count;
        }
    }
}
