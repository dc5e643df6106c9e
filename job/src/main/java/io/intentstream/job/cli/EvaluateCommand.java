package io.intentstream.job.cli;

import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.offline.BenchmarkDataset;
import io.intentstream.model.offline.OfflineEvaluation;
import io.intentstream.model.offline.OfflineJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code evaluate}: scores a saved model on a benchmark's test and validation splits. */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description = {
            "Scores a saved model (best-model.bin of `train`) on the benchmark's test and validation splits under "
                    + "the reference and the strict protocol, and prints the metrics as JSON."
        })
public final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** The benchmark file the model was trained on. */
    @Mixin
    BenchmarkDataOption data;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model snapshot, e.g. OUT/best-model.bin.")
    Path model;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the metrics JSON to this file.")
    Path out;

    @Override
    public Integer call() throws IOException {
        BenchmarkDataOption.requireFile(spec, model, "--model");
        BenchmarkDataset dataset = data.read();
        ModelSnapshot snapshot = readSnapshot();
        OfflineEvaluation.Report report;
        try {
            report = OfflineEvaluation.evaluate(snapshot, dataset);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(OfflineJson.toJson(report));
        stdout.flush();
        if (out != null) {
            Path parent = out.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            OfflineJson.write(out, report);
        }
        return 0;
    }

    private ModelSnapshot readSnapshot() throws IOException {
        try {
            return ModelSnapshot.fromBytes(Files.readAllBytes(model));
        } catch (IllegalArgumentException | UncheckedIOException | ClassCastException e) {
            throw new ParameterException(spec.commandLine(),
                    "--model " + model + " is not a model snapshot: " + e.getMessage(), e);
        }
    }
}
