package io.intentstream.job.cli;

import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.demo.DemoRunner;
import io.intentstream.job.demo.DemoSummary;
import io.intentstream.job.demo.PlantedIntentStream;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code intent-stream demo}: the whole pipeline on an embedded Kafka broker and a local Flink MiniCluster. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Starts a Kafka broker in this JVM, writes interactions (a synthetic stream with planted intents, or "
                    + "a benchmark file) to it, runs the intent-stream job on a local Flink MiniCluster until it "
                    + "has read them all, reads the intents, recommendations and dead letters back, and prints a "
                    + "summary. Everything is deleted afterwards.",
            "",
            "Job settings (see the list below) may follow the demo's options, as --key value."
        },
        footerHeading = "%nJob settings (--key value):%n")
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--events", paramLabel = "N", defaultValue = "20000",
            description = "Interactions to write (with --data: at most this many). Default: ${DEFAULT-VALUE}.")
    int events;

    @Option(names = "--data", paramLabel = "FILE",
            description = "Replay this benchmark file (one user per line: user item...) instead of the "
                    + "synthetic stream, e.g. ../shared/data/Beauty.txt.")
    Path data;

    @Mixin
    SummaryFileOption summary;

    @Option(names = "--users", paramLabel = "U", defaultValue = "1000",
            description = "Synthetic users. Default: ${DEFAULT-VALUE}.")
    int users;

    @Option(names = "--intents", paramLabel = "K", defaultValue = "8",
            description = "Planted intents of the synthetic stream; also the model's k unless --model.clusters "
                    + "is given. Default: ${DEFAULT-VALUE}.")
    int intents;

    @Option(names = "--items-per-intent", paramLabel = "M", defaultValue = "50",
            description = "Items owned by each planted intent. Default: ${DEFAULT-VALUE}.")
    int itemsPerIntent;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Seed of the synthetic stream and of the random baseline. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--inject-malformed", paramLabel = "M", defaultValue = "8",
            description = "Malformed input records to add, to show the dead-letter topic. Default: ${DEFAULT-VALUE}.")
    int malformed;

    @Option(names = "--inject-failures", paramLabel = "K", defaultValue = "0",
            description = "Make the job fail K times, spread over the run (alternately right after a completed "
                    + "checkpoint and during a checkpoint); it restarts from its last checkpoint each time. The "
                    + "summary shows failures injected, restarts, and events missing or duplicated in the "
                    + "read_committed outputs (default: ${DEFAULT-VALUE}).")
    int injectFailures;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "2",
            description = "Partitions of every topic. Default: ${DEFAULT-VALUE}.")
    int partitions;

    @Mixin
    ActiveUsersOption activeUsers = ActiveUsersOption.forPrefix();

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "PT30M",
            description = "Give up if the job runs longer (ISO-8601, e.g. PT10M). Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    /** Job settings after the demo's options, parsed by {@link JobSettingsArguments}. */
    @Unmatched
    List<String> jobSettings = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        validate();
        DemoRunner.Input input = data != null
                ? new DemoRunner.Replay(data, events, activeUsers.value())
                : new DemoRunner.Synthetic(new PlantedIntentStream.Parameters(users, intents, itemsPerIntent, events,
                        PlantedIntentStream.Parameters.DEFAULT_SUCCESSOR_PROBABILITY,
                        PlantedIntentStream.Parameters.DEFAULT_GROUP_JUMP_PROBABILITY, seed));
        DemoRunner.Settings settings =
                new DemoRunner.Settings(input, malformed, partitions, JobSettingsArguments.parse(jobSettings), timeout, seed,
                        injectFailures);

        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ProgressLine progress = new ProgressLine(err, System.console() != null);
        if (IntentStreamCli.logFile() != null) {
            err.println("Logs: " + IntentStreamCli.logFile());
        }
        DemoSummary result;
        try (DemoRunner runner = new DemoRunner(settings, progress)) {
            try (StopOnShutdown stopOnCtrlC = new StopOnShutdown(runner::close, "demo")) {
                result = runner.run();
            } finally {
                progress.finish();
            }
        }
        printSummary(out, result);
        summary.write(result, out);
        if (result.intentsOut() != result.eventsIn() || result.recommendationsOut() != result.eventsIn()) {
            err.printf("Warning: %d interactions in, but %d intents and %d recommendations out%n",
                    result.eventsIn(), result.intentsOut(), result.recommendationsOut());
        }
        out.flush();
        err.flush();
        return 0;
    }

    private void validate() {
        require(events >= 1, "--events must be at least 1, got " + events);
        require(users >= 1, "--users must be at least 1, got " + users);
        require(intents >= 1, "--intents must be at least 1, got " + intents);
        require(itemsPerIntent >= 2, "--items-per-intent must be at least 2, got " + itemsPerIntent);
        require(malformed >= 0, "--inject-malformed must not be negative, got " + malformed);
        require(injectFailures >= 0, "--inject-failures must not be negative, got " + injectFailures);
        require(partitions >= 1, "--partitions must be at least 1, got " + partitions);
        activeUsers.value();
        require(!timeout.isNegative() && !timeout.isZero(), "--timeout must be positive, got " + timeout);
        require(data == null || Files.isReadable(data), "--data " + data + " is not a readable file");
    }

    private void require(boolean condition, String message) {
        if (!condition) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    static void printSummary(PrintWriter out, DemoSummary s) {
        out.println();
        out.println("intent-stream demo summary");
        row(out, "input", s.input());
        row(out, "events in", s.eventsIn() + " (+ " + s.malformedIn() + " malformed)");
        row(out, "intents out", Long.toString(s.intentsOut()));
        row(out, "recommendations out", Long.toString(s.recommendationsOut()));
        row(out, "dead letters", s.deadLetters() + " " + s.deadLettersByReason());
        row(out, "users answered", Long.toString(s.usersAnswered()));
        row(out, "users per cluster", clusterSizes(s.usersPerCluster()));
        row(out, "train steps", s.trainSteps() == null ? "n/a" : s.trainSteps().toString());
        row(out, "last loss", s.loss() == null ? "n/a" : String.format(Locale.ROOT, "%.4f", s.loss()));
        row(out, "model version", Long.toString(s.modelVersion()));
        if (s.failuresInjected() != null) {
            row(out, "failures injected", s.failuresInjected() + " (restarts " + s.restarts() + ")");
        }
        if (s.missing() != null) {
            row(out, "missing / duplicated", s.missing() + " / " + s.duplicated()
                    + " (valid events without an intent / with more than one output)");
        }
        row(out, "clusters (k)", Integer.toString(s.clusters()));
        if (s.intentNmi() != null) {
            row(out, "intent NMI", String.format(Locale.ROOT, "%.3f (random assignment: %.3f, %d planted intents)",
                    s.intentNmi(), s.randomNmi(), s.plantedIntents()));
        }
        row(out, "job wall time", String.format(Locale.ROOT, "%.1f s (%.0f events/s)",
                s.wallSeconds(), s.eventsPerSecond()));
        row(out, "total time", String.format(Locale.ROOT, "%.1f s (broker start %.1f s)",
                s.totalSeconds(), s.brokerStartSeconds()));
        if (s.undecodableOutputs() > 0) {
            row(out, "undecodable outputs", Long.toString(s.undecodableOutputs()));
        }
    }

    /** The whole map when it is short; otherwise how many clusters hold users and the largest few. */
    static String clusterSizes(Map<Integer, Long> usersPerCluster) {
        if (usersPerCluster.size() <= 10) {
            return usersPerCluster.toString();
        }
        String largest = usersPerCluster.entrySet().stream()
                .sorted(Map.Entry.<Integer, Long>comparingByValue().reversed())
                .limit(5)
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
        return usersPerCluster.size() + " clusters in use; largest {" + largest + ", ...}";
    }

    private static void row(PrintWriter out, String label, String value) {
        out.printf(Locale.ROOT, "  %-20s %s%n", label, value);
    }

    /** Prints steps as lines and progress as one line that rewrites itself on a terminal. */
    static final class ProgressLine implements DemoRunner.Listener {
        private static final long PLAIN_INTERVAL_NANOS = Duration.ofSeconds(5).toNanos();

        private final PrintWriter err;
        private final boolean terminal;
        private boolean lineOpen;
        private long lastPlain;

        ProgressLine(PrintWriter err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        @Override
        public void onStep(String message) {
            finish();
            err.println(message);
            err.flush();
        }

        @Override
        public void onProgress(DemoRunner.Progress p) {
            String line = String.format(Locale.ROOT,
                    "[%5.1fs] events in %d | intents out %d (%.0f%%) | dead letters %d | train steps %s | loss %s"
                            + " | %.0f events/s",
                    p.elapsedSeconds(), p.eventsIn(), p.intentsOut(),
                    p.eventsIn() == 0 ? 0.0 : 100.0 * p.intentsOut() / p.eventsIn(), p.deadLetters(),
                    p.trainSteps() == null ? "-" : p.trainSteps().toString(),
                    p.loss() == null ? "-" : String.format(Locale.ROOT, "%.4f", p.loss()),
                    p.eventsPerSecond());
            if (terminal) {
                err.print("\r" + line + "\u001b[K");
                lineOpen = true;
            } else if (System.nanoTime() - lastPlain >= PLAIN_INTERVAL_NANOS) {
                err.println(line);
                lastPlain = System.nanoTime();
            }
            err.flush();
        }

        void finish() {
            if (lineOpen) {
                err.println();
                lineOpen = false;
            }
        }
    }
}
