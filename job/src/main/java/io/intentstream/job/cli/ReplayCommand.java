package io.intentstream.job.cli;

import io.intentstream.job.replay.FileSystemModelExport;
import io.intentstream.job.replay.KafkaPosition;
import io.intentstream.job.replay.ReplayRunner;
import io.intentstream.job.replay.ReplaySummary;
import io.intentstream.model.offline.RankingMetrics;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code intent-stream replay}: a file through the job, bounded, once or for several epochs. */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Replays a file through the intent-stream job on a local Flink MiniCluster (the job finishes when the "
                    + "file is done) and writes the intents, recommendations and dead letters to Kafka: a broker "
                    + "started in this JVM, or the cluster given with --bootstrap-servers.",
            "Or replays a range of the interactions topic of --bootstrap-servers (--kafka-from, --kafka-to), fixed "
                    + "as explicit offsets when the replay starts.",
            "FILE is a benchmark sequence file (one user per line: user item...) or an Avro container file of "
                    + "Interaction records (*.avro, replayed in file order with their own event times).",
            "With --epochs N the file is replayed N times, the model carried from one epoch to the next; only the "
                    + "last epoch's outputs are written unless --emit-all-epochs. Several epochs hold out each "
                    + "user's last two items (as `train` does) and score the final model on the test split.",
            "",
            "Job settings (as for demo, see `demo --help`) may follow the options, as --key value."
        })
public final class ReplayCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", paramLabel = "FILE",
            description = "The file to replay: benchmark sequences, or *.avro Interaction records.")
    Path data;

    @Option(names = "--kafka-from", paramLabel = "POS", converter = PositionConverter.class,
            description = "Instead of --data: replay the interactions topic of --bootstrap-servers from POS: "
                    + "earliest, latest, timestamp:<ISO instant or epoch ms>, offsets:<partition>=<offset>,...")
    KafkaPosition kafkaFrom;

    @Option(names = "--kafka-to", paramLabel = "POS", converter = PositionConverter.class,
            description = "With --kafka-from: stop before POS (latest, timestamp:..., offsets:...). Default: the end "
                    + "of the topic when the replay starts.")
    KafkaPosition kafkaTo;

    @Option(names = "--then-live",
            description = "After the file or range, go on with the live interactions topic (of --bootstrap-servers "
                    + "or the embedded broker) in the same job, model and state carried over, no gap and no "
                    + "duplicate at the switch. Runs until Ctrl-C unless --live-for.")
    boolean thenLive;

    @Option(names = "--live-from", paramLabel = "POS", converter = PositionConverter.class,
            description = "With --then-live after a file: where the live part starts (earliest, latest, "
                    + "timestamp:..., offsets:...), fixed when the replay starts. Default: the end of the topic "
                    + "then, so events written during the backfill are read after it.")
    KafkaPosition liveFrom;

    @Option(names = "--live-for", paramLabel = "DURATION",
            description = "With --then-live: stay live this long after the backfill has been answered (ISO-8601, "
                    + "e.g. PT10M), then stop with a drained savepoint and print the summary.")
    Duration liveFor;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "1",
            description = "Replays of the file, the model carried over. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Mixin
    SummaryFileOption summary;

    @Option(names = "--export", paramLabel = "DIR|URI",
            description = "Leave the final model there as a versioned snapshot (model.bin + manifest.json): a "
                    + "directory, or a Flink file system URI such as s3://bucket/models (the cluster's plugin).")
    String export;

    @Option(names = "--export-retention", paramLabel = "K", defaultValue = "5",
            description = "Snapshots kept in the --export directory. Default: ${DEFAULT-VALUE}.")
    int exportRetention;

    @Option(names = "--init-model", paramLabel = "PATH|URI",
            description = "Start from this snapshot: an export directory, a snapshot directory, or a snapshot file "
                    + "such as train's best-model.bin; local, or a Flink file system URI (s3://...).")
    String initModel;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Write the outputs to this Kafka cluster instead of an embedded broker (missing output "
                    + "topics are created).")
    String bootstrapServers;

    @Option(names = "--holdout", negatable = true,
            description = "Leave each user's last two items out (benchmark files; the leave-one-out split of "
                    + "`train`) and score the final model on the test split. Default: on with more than one epoch.")
    Boolean holdout;

    @Option(names = "--emit-all-epochs", description = "Write every epoch's outputs, not only the last one's.")
    boolean emitAllEpochs;

    @Mixin
    ActiveUsersOption activeUsers = ActiveUsersOption.forWholeFile();

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "PT2H",
            description = "Give up if one epoch runs longer (ISO-8601, e.g. PT30M). Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    /** Job settings after the options, parsed by {@link JobSettingsArguments}. */
    @Unmatched
    List<String> jobSettings = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (data != null) {
            BenchmarkDataOption.requireFile(spec, data, "--data");
        }
        if (initModel != null && !FileSystemModelExport.isUri(initModel) && !Files.exists(Path.of(initModel))) {
            throw new ParameterException(spec.commandLine(), "--init-model " + initModel + " does not exist");
        }
        Configuration jobOptions;
        try {
            jobOptions = JobSettingsArguments.parse(jobSettings);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        // The job runs in this JVM: its export and warm start use the file systems loaded here.
        FlinkFileSystems.initialize(jobOptions);
        if (export != null) {
            FlinkFileSystems.requireReachable(spec, "--export", export);
        }
        if (initModel != null) {
            FlinkFileSystems.requireReachable(spec, "--init-model", initModel);
        }
        ReplayRunner.Settings settings;
        try {
            settings = new ReplayRunner.Settings(data, epochs, holdout, emitAllEpochs, export, exportRetention,
                    initModel, bootstrapServers, jobOptions, timeout,
                    activeUsers.value(),
                    kafkaFrom, kafkaTo, thenLive(thenLive, liveFrom, liveFor));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (IntentStreamCli.logFile() != null) {
            err.println("Logs: " + IntentStreamCli.logFile());
        }
        ReplaySummary result;
        try (ReplayRunner runner = new ReplayRunner(settings, line -> {
            err.println(line);
            err.flush();
        })) {
            try (StopOnShutdown stopOnCtrlC = new StopOnShutdown(runner::close, "replay")) {
                result = runner.run();
            }
        }
        printSummary(out, result);
        summary.write(result, out);
        long expected = emitAllEpochs ? result.eventsIn() * result.epochs() : result.eventsIn();
        if (result.intentsOut() + result.deadLetters() != expected) {
            err.printf("Warning: %d interactions replayed, but %d intents and %d dead letters out%n", expected,
                    result.intentsOut(), result.deadLetters());
        }
        out.flush();
        err.flush();
        return 0;
    }

    private static ReplayRunner.ThenLive thenLive(boolean thenLive, KafkaPosition from, Duration runFor) {
        if (!thenLive) {
            if (from != null || runFor != null) {
                throw new IllegalArgumentException("--live-from and --live-for go with --then-live");
            }
            return null;
        }
        return new ReplayRunner.ThenLive(from, runFor);
    }

    static final class PositionConverter implements picocli.CommandLine.ITypeConverter<KafkaPosition> {
        @Override
        public KafkaPosition convert(String value) {
            try {
                return KafkaPosition.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static void printSummary(PrintWriter out, ReplaySummary s) {
        out.println();
        out.println("intent-stream replay summary");
        row(out, "input", s.input() + (s.holdout() ? " (last two items per user held out)" : ""));
        row(out, "epochs", Integer.toString(s.epochs()));
        row(out, "events in", s.eventsIn() + (s.liveEvents() != null ? " (" + s.liveEvents() + " of them live)"
                : " per epoch"));
        row(out, "intents out", Long.toString(s.intentsOut()));
        row(out, "recommendations out", Long.toString(s.recommendationsOut()));
        row(out, "dead letters", Long.toString(s.deadLetters()));
        row(out, "train steps", Long.toString(s.trainSteps()));
        row(out, "last loss", s.loss() == null ? "n/a" : String.format(Locale.ROOT, "%.4f", s.loss()));
        row(out, "model version", s.modelVersion() + " (checksum " + s.modelChecksum() + ")");
        row(out, "throughput", String.format(Locale.ROOT, "%.0f events/s (epochs: %s s)", s.eventsPerSecond(),
                s.epochSeconds().stream().map(x -> String.format(Locale.ROOT, "%.1f", x)).toList()));
        if (s.evaluation() != null) {
            RankingMetrics test = s.evaluation().test().reference();
            row(out, "test (reference)", String.format(Locale.ROOT, "HR@5 %.4f HR@20 %.4f NDCG@5 %.4f NDCG@20 %.4f",
                    test.hr5(), test.hr20(), test.ndcg5(), test.ndcg20()));
        }
        if (s.exportedTo() != null) {
            row(out, "exported to", s.exportedTo());
        }
        row(out, "total time", String.format(Locale.ROOT, "%.1f s", s.totalSeconds()));
        if (s.undecodableOutputs() > 0) {
            row(out, "undecodable outputs", Long.toString(s.undecodableOutputs()));
        }
    }

    private static void row(PrintWriter out, String label, String value) {
        out.printf(Locale.ROOT, "  %-20s %s%n", label, value);
    }
}
