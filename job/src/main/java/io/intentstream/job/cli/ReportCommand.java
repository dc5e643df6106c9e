package io.intentstream.job.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.report.IntentSample;
import io.intentstream.job.report.ReportPage;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.export.ModelExport;
import io.intentstream.model.inspect.PrincipalComponents;
import io.intentstream.model.inspect.SnapshotEmbeddings;
import io.intentstream.model.offline.BenchmarkDataset;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code intent-stream report}: one self-contained HTML page with the plots of a run's outputs. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Turns a run's outputs into one self-contained HTML page (no network needed to view it): "
                + "loss parts and validation metrics per epoch (--train), replay and demo summaries, the benchmark "
                + "(--bench), the cluster size distribution and occupancy over time (a sample of the intents "
                + "topic, --intents-from; or the demo summary's cluster sizes), and a 2-D projection of the "
                + "centres and a sample of user embeddings (--model with --data).")
public final class ReportCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "The HTML page to write.")
    Path out;

    @Option(names = "--title", paramLabel = "TEXT", defaultValue = "intent-stream report",
            description = "Title of the page. Default: ${DEFAULT-VALUE}.")
    String title;

    @Option(names = "--train", paramLabel = "FILE", description = "results.json of a train run.")
    Path train;

    @Option(names = "--replay", paramLabel = "FILE", description = "Summary JSON of a replay run (--summary).")
    Path replay;

    @Option(names = "--demo", paramLabel = "FILE", description = "Summary JSON of a demo run (--summary).")
    Path demo;

    @Option(names = "--bench", paramLabel = "FILE", description = "JSON written by bench --out (the harness, a "
            + "--training-fractions/--batch-sizes or a --max-waits curve); repeat it for several.")
    List<Path> bench = new ArrayList<>();

    @Option(names = "--intents-from", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers to read a sample of the intents topic from.")
    String intentsFrom;

    @Option(names = "--intents-topic", paramLabel = "TOPIC",
            description = "The intents topic. Default: the job's default, intents.")
    String intentsTopic = IntentStreamOptions.INTENTS_TOPIC.defaultValue();

    @Option(names = "--sample", paramLabel = "N", defaultValue = "200000",
            description = "Intent records to read at most. Default: ${DEFAULT-VALUE}.")
    int sample;

    @Option(names = "--model", paramLabel = "PATH",
            description = "A model snapshot (export directory, snapshot directory or file) for the projection.")
    Path model;

    @Option(names = "--data", paramLabel = "FILE",
            description = "Benchmark file whose users are embedded by --model (one user per line: user item...).")
    Path data;

    @Option(names = "--users", paramLabel = "N", defaultValue = "2000",
            description = "Users of --data to embed. Default: ${DEFAULT-VALUE}.")
    int users;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed of the user sample.")
    long seed;

    @Override
    public Integer call() throws Exception {
        require(train != null || replay != null || demo != null || !bench.isEmpty() || intentsFrom != null
                || model != null, "give at least one of --train, --replay, --demo, --bench, --intents-from, --model");
        require((model == null) == (data == null), "--model and --data go together");
        require(sample >= 1, "--sample must be at least 1, got " + sample);
        require(users >= 1, "--users must be at least 1, got " + users);
        ReportPage page = new ReportPage(title);
        if (train != null) {
            page.training(readJson(train, "--train"));
        }
        for (Path file : bench) {
            page.benchmark(readJson(file, "--bench"));
        }
        JsonNode demoSummary = demo == null ? null : readJson(demo, "--demo");
        if (intentsFrom != null) {
            IntentSample intents = IntentSample.read(intentsFrom, intentsTopic, sample, Duration.ofMinutes(2));
            page.clusterSizes(intents.assignments().size() + " records of topic " + intentsTopic,
                    intents.usersPerCluster());
            page.occupancy(intents.occupancy(40));
        } else if (demoSummary != null && demoSummary.path("users_per_cluster").isObject()) {
            Map<Integer, Long> sizes = new TreeMap<>();
            demoSummary.path("users_per_cluster").fields().forEachRemaining(
                    f -> sizes.put(Integer.parseInt(f.getKey()), f.getValue().asLong()));
            page.clusterSizes("demo summary", sizes);
        }
        if (model != null) {
            ModelSnapshot snapshot;
            BenchmarkDataset dataset;
            try {
                snapshot = ModelExport.load(model).snapshot();
                dataset = BenchmarkDataset.read(data);
            } catch (IllegalArgumentException | IOException e) {
                throw new ParameterException(spec.commandLine(), "--model/--data: " + e.getMessage(), e);
            }
            SnapshotEmbeddings.Sample embedded = SnapshotEmbeddings.sample(snapshot, dataset, users, seed);
            page.projection(PrincipalComponents.project(embedded.centres(), embedded.embeddings()),
                    embedded.modelVersion());
        }
        if (replay != null) {
            page.summary("Replay", readJson(replay, "--replay"));
        }
        if (demoSummary != null) {
            page.summary("Demo", demoSummary);
        }
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Files.writeString(out, page.html(), StandardCharsets.UTF_8);
        PrintWriter o = spec.commandLine().getOut();
        o.println("Report with " + page.chartIds().size() + " charts written to " + out.toAbsolutePath());
        o.flush();
        return 0;
    }

    private JsonNode readJson(Path file, String option) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), option + " " + file + ": " + e.getMessage(), e);
        }
    }

    private void require(boolean condition, String message) {
        if (!condition) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}
