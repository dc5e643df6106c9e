package io.intentstream.job.cli;

import io.intentstream.model.offline.OfflineJson;
import io.intentstream.model.offline.RunComparison;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code compare}: several {@code train} runs side by side, as a markdown table and a plot. */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        description = {
            "Puts train runs side by side from their results.json: what each run changed against the first, "
                    + "epochs, CPU seconds, best validation HR@20 and NDCG@20 and, once read, the test metrics "
                    + "(reference protocol; the strict one beside it where it differs). Runs that differ only in "
                    + "their seed get a mean ± half-range row. Prints the markdown table; --plot draws the "
                    + "validation curves."
        })
public final class CompareCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "[LABEL=]RUN", arity = "1..*",
            description = "A train run's --out directory or its results.json, optionally labelled (default label: "
                    + "the directory's name).")
    List<String> runs;

    @Option(names = "--plot", paramLabel = "FILE", description = "Also draw validation NDCG@20 and HR@20 per epoch "
            + "of every run into this PNG.")
    Path plot;

    @Option(names = "--plot-from", paramLabel = "EPOCH", defaultValue = "1",
            description = "Draw the plot from this epoch on, to see runs apart on their plateau (default: "
                    + "${DEFAULT-VALUE}).")
    int plotFrom;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the markdown table to this file.")
    Path out;

    @Override
    public Integer call() throws IOException {
        RunComparison comparison;
        try {
            comparison = RunComparison.read(labelled(runs));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        String table = comparison.markdownTable();
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.print(table);
        stdout.flush();
        if (out != null) {
            OfflineJson.writeAtomically(createParent(out), table.getBytes(StandardCharsets.UTF_8));
        }
        if (plot != null) {
            try {
                comparison.writePlot(createParent(plot), plotFrom);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "--plot-from: " + e.getMessage(), e);
            }
        }
        return 0;
    }

    /** {@code LABEL=PATH} or {@code PATH}; an unlabelled run is named after its directory. */
    static Map<String, Path> labelled(List<String> arguments) {
        Map<String, Path> labelled = new LinkedHashMap<>();
        for (String argument : arguments) {
            int equals = argument.indexOf('=');
            Path path = Path.of(equals < 0 ? argument : argument.substring(equals + 1));
            String label = equals < 0 ? defaultLabel(path) : argument.substring(0, equals);
            if (labelled.put(label, path) != null) {
                throw new IllegalArgumentException("two runs are labelled '" + label + "'; label them apart with "
                        + "LABEL=RUN");
            }
        }
        return labelled;
    }

    private static String defaultLabel(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path directory = absolute.getFileName().toString().endsWith(".json") ? absolute.getParent() : absolute;
        return directory.getFileName().toString();
    }

    private static Path createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        return file;
    }
}
