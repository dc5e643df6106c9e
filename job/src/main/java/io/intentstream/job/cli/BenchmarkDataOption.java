package io.intentstream.job.cli;

import io.intentstream.model.offline.BenchmarkDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The required {@code --data} benchmark file of the offline commands ({@code train}, {@code evaluate}), read with
 * one clear usage error for a missing or malformed file. Used as a picocli {@code @Mixin}.
 */
final class BenchmarkDataOption {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Benchmark file: one line per user, 'user item1 item2 ...' in time order.")
    Path file;

    /** Reads the benchmark file, turning a missing or malformed file into a usage error of the command. */
    BenchmarkDataset read() throws IOException {
        requireFile(command, file, "--data");
        try {
            return BenchmarkDataset.read(file);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command.commandLine(), "Invalid data file: " + e.getMessage(), e);
        }
    }

    /** Fails with a usage error naming {@code option} unless {@code file} is an existing, readable file. */
    static void requireFile(CommandSpec spec, Path file, String option) {
        if (!Files.exists(file)) {
            throw new ParameterException(spec.commandLine(), option + " file not found: " + file);
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new ParameterException(spec.commandLine(), option + " " + file + " is not a readable file");
        }
    }
}
