package io.intentstream.job.cli;

import io.intentstream.job.replay.FileSystemModelExport;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.export.BenchmarkItems;
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

/**
 * {@code evaluate}: scores a saved model on a benchmark's test and validation splits, and tells how its users spread
 * over its intents.
 */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description = {
            "Scores a saved model (best-model.bin of `train`, or a snapshot exported by `train --export`, "
                    + "`replay --export` or the job) on the benchmark's test and validation splits under the "
                    + "reference and the strict protocol, and prints the metrics as JSON, with how the users spread "
                    + "over the model's intents (each assigned by their validation input): the centres that hold "
                    + "users, the effective number of intents, the largest one's share."
        })
public final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** The benchmark file the model was trained on. */
    @Mixin
    BenchmarkDataOption data;

    @Option(names = "--model", required = true, paramLabel = "PATH|URI",
            description = "A model snapshot file (e.g. OUT/best-model.bin), a snapshot directory, or an export "
                    + "directory (its newest snapshot whose manifest commits it); local, or a Flink file system URI "
                    + "such as s3://bucket/models (its plugin in ./plugins), read as the job reads model.init-path.")
    String model;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the metrics JSON to this file.")
    Path out;

    @Option(names = "--no-test", description = "Score the validation split only (\"test\": null), for a model of "
            + "a screen: settings are chosen on validation, and test is read once, for the final configuration.")
    boolean noTest;

    @Override
    public Integer call() throws IOException {
        if (!FileSystemModelExport.isUri(model) && !Files.exists(Path.of(model))) {
            throw new ParameterException(spec.commandLine(), "--model file not found: " + model);
        }
        FlinkFileSystems.initialize();
        FlinkFileSystems.requireReachable(spec, "--model", model);
        BenchmarkDataset dataset = data.read();
        ModelSnapshot snapshot = readSnapshot();
        OfflineEvaluation.Report report;
        try {
            report = OfflineEvaluation.evaluate(snapshot, dataset, !noTest);
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

    private ModelSnapshot readSnapshot() {
        ModelSnapshot snapshot;
        try {
            snapshot = FileSystemModelExport.load(model).snapshot();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--model " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new ParameterException(spec.commandLine(), "--model " + model + " cannot be read: "
                    + e.getCause().getMessage(), e);
        }
        if (!BenchmarkItems.rowsAreItemIds(snapshot)) {
            // A stream's item index hands rows out in order of arrival; scoring it by benchmark ids would compare
            // the wrong items.
            throw new ParameterException(spec.commandLine(), "--model " + model + " was trained on a stream whose "
                    + "items are not the benchmark's item-<n> rows; only snapshots of train, replay of a benchmark "
                    + "file, or a job warm-started from one of them can be scored on a benchmark");
        }
        return snapshot;
    }
}
