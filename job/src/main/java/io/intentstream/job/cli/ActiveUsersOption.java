package io.intentstream.job.cli;

import io.intentstream.job.replay.BenchmarkInterleaving;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --active-users A} of the commands that turn a benchmark file into an event stream ({@code demo --data},
 * {@code replay --data}): how many users {@link BenchmarkInterleaving} interleaves. Used as a picocli
 * {@code @Mixin}.
 */
final class ActiveUsersOption {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--active-users", paramLabel = "A",
            defaultValue = "" + BenchmarkInterleaving.DEFAULT_ACTIVE_USERS,
            description = "Benchmark files: users interleaved at any time. Default: ${DEFAULT-VALUE}.")
    int count;

    /** The count, checked: a usage error of the command unless at least 1. */
    int value() {
        if (count < 1) {
            throw new ParameterException(command.commandLine(), "--active-users must be at least 1, got " + count);
        }
        return count;
    }
}
