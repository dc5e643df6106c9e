package io.intentstream.job.cli;

import io.intentstream.job.demo.SummaryJson;

import java.io.PrintWriter;
import java.nio.file.Path;

import picocli.CommandLine.Option;

/**
 * The {@code --summary FILE} option of the run commands ({@code demo}, {@code replay}): the run's summary as JSON
 * for automation, in the one format of {@link SummaryJson}. Used as a picocli {@code @Mixin}.
 */
final class SummaryFileOption {

    @Option(names = "--summary", paramLabel = "FILE", description = "Also write the summary as JSON to FILE.")
    Path file;

    /** Writes {@code summary} to the file, if one was given, and says where on {@code out}. */
    void write(Object summary, PrintWriter out) {
        if (file != null) {
            SummaryJson.write(summary, file);
            out.println("Summary written to " + file.toAbsolutePath());
        }
    }
}
