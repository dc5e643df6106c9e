package io.intentstream.job.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.intentstream.job.bench.BenchmarkHarness;
import io.intentstream.job.bench.MaxWaitCurve;
import io.intentstream.job.bench.ScaleBenchmark;
import io.intentstream.job.bench.TradeOffBenchmark;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code intent-stream bench}: the performance harness, results as JSON. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Measures, in one run on this machine: the fp32 matmul peak of the model's engine; the bare model "
                    + "step at Beauty shapes (inference, next-item training, the full ELCRec objective) in "
                    + "sequences/s and GFLOP/s; the job end to end on an embedded Kafka broker and a local Flink "
                    + "MiniCluster (sustained events/s, event-to-intent latency at 50%% and 90%% of that rate); and "
                    + "the ratios between them. Writes everything as JSON.",
            "",
            "With --training-fractions or --batch-sizes it measures a trade-off curve instead: the first --events "
                    + "events of the --data benchmark file, replayed as a stream through the job (the replay's "
                    + "interleaving) once per value, from the same initial model: events/s and prequential NDCG@10 "
                    + "and HR@10 per value, as JSON (--out) and a PNG plot (--plot).",
            "",
            "With --max-waits it measures the latency curve of training.max-wait instead: one end-to-end run per "
                    + "value (backlog, then paced load at 50%% and 90%% of the first run's sustained rate), p50/p99 "
                    + "per value and load, as JSON (--out) and a PNG plot (--plot).",
            "",
            "With --scale-users it measures how the job's memory grows with users instead: per user count, a "
                    + "synthetic stream (--events-per-user events of every user) through the job with RocksDB "
                    + "state and training.fraction 0 unless given: events/s, heap after GC, RocksDB bytes per user.",
            "",
            "Job settings (as for demo, --key value) may follow the options."
        })
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Write the results (JSON) here.")
    Path out;

    @Option(names = "--quick", description = "Small shapes and a few seconds per phase: checks the harness, "
            + "in about a minute; its numbers do not describe the model.")
    boolean quick;

    @Option(names = "--backlog", paramLabel = "N", defaultValue = "20000",
            description = "Events the job drains to measure its sustained rate. Default: ${DEFAULT-VALUE}.")
    int backlog;

    @Option(names = "--phase", paramLabel = "DURATION", defaultValue = "PT45S",
            description = "How long each latency phase writes events (ISO-8601). Default: ${DEFAULT-VALUE}.")
    Duration phase;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "PT5M",
            description = "Longest any end-to-end phase may take to be answered. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(names = "--load-reference", paramLabel = "EVENTS_PER_SECOND",
            description = "Apply the 50%% and 90%% load phases to this rate instead of the run's own sustained rate: "
                    + "compares configurations (such as scoring.mode) at the same absolute load.")
    Double loadReference;

    @Option(names = "--training-fractions", paramLabel = "F,F,...", split = ",",
            description = "Trade-off curve over training.fraction, e.g. 0,0.1,0.25,0.5,1.")
    List<Double> trainingFractions = new ArrayList<>();

    @Option(names = "--batch-sizes", paramLabel = "N,N,...", split = ",",
            description = "Trade-off curve over training.batch-size, e.g. 64,128,256,512.")
    List<Integer> batchSizes = new ArrayList<>();

    @Option(names = "--data", paramLabel = "FILE",
            description = "Curves: the benchmark file to replay (one line per user: user item...).")
    Path data;

    @Option(names = "--events", paramLabel = "N", defaultValue = "20000",
            description = "Curves: events of the replayed stream per point. Default: ${DEFAULT-VALUE}.")
    int events;

    /** Curves: users interleaved at any time, as replay. */
    @Mixin
    ActiveUsersOption activeUsers = ActiveUsersOption.forPrefix();

    @Option(names = "--init-model", paramLabel = "PATH",
            description = "Curves: every point starts from this snapshot (export directory, snapshot directory or "
                    + "file) instead of an untrained model.")
    Path initModel;

    @Option(names = "--plot", paramLabel = "FILE",
            description = "Curves: write the plot (PNG) here. Default: the --out file with .png.")
    Path plot;

    @Option(names = "--max-waits", paramLabel = "DURATION,...", split = ",",
            description = "Latency curve over training.max-wait (ISO-8601 durations), e.g. PT0.02S,PT0.05S,PT0.2S.")
    List<Duration> maxWaits = new ArrayList<>();

    @Option(names = "--scale-users", paramLabel = "N,N,...", split = ",",
            description = "Scale run: synthetic user counts, e.g. 10000,1000000.")
    List<Integer> scaleUsers = new ArrayList<>();

    @Option(names = "--events-per-user", paramLabel = "N", defaultValue = "2",
            description = "Scale run: events every synthetic user sends. Default: ${DEFAULT-VALUE}.")
    int eventsPerUser;

    @Option(names = "--scale-items", paramLabel = "N", defaultValue = "1000",
            description = "Scale run: catalogue size of the synthetic stream. Default: ${DEFAULT-VALUE}.")
    int scaleItems;

    @Unmatched
    List<String> jobSettings = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        require(backlog >= 1, "--backlog must be at least 1, got " + backlog);
        require(!phase.isNegative() && !phase.isZero(), "--phase must be positive, got " + phase);
        require(!timeout.isNegative() && !timeout.isZero(), "--timeout must be positive, got " + timeout);
        Configuration options = JobSettingsArguments.parse(jobSettings);
        require(trainingFractions.isEmpty() || batchSizes.isEmpty(),
                "give one curve at a time: --training-fractions or --batch-sizes");
        if (!scaleUsers.isEmpty()) {
            require(trainingFractions.isEmpty() && batchSizes.isEmpty() && maxWaits.isEmpty(),
                    "--scale-users is a run of its own: not with --training-fractions, --batch-sizes or --max-waits");
            return scale(options);
        }
        if (!maxWaits.isEmpty()) {
            require(trainingFractions.isEmpty() && batchSizes.isEmpty(),
                    "--max-waits is a run of its own: not with --training-fractions or --batch-sizes");
            return maxWaitCurve(options);
        }
        if (!trainingFractions.isEmpty()) {
            return curve(options, TradeOffBenchmark.Knob.TRAINING_FRACTION, trainingFractions);
        }
        if (!batchSizes.isEmpty()) {
            return curve(options, TradeOffBenchmark.Knob.BATCH_SIZE,
                    batchSizes.stream().map(Integer::doubleValue).toList());
        }
        BenchmarkHarness.Settings defaults = quick
                ? BenchmarkHarness.Settings.quick(options, timeout)
                : BenchmarkHarness.Settings.standard(options, backlog, phase, timeout);
        require(loadReference == null || loadReference > 0, "--load-reference must be positive, got " + loadReference);
        BenchmarkHarness.Settings settings = loadReference == null
                ? defaults : defaults.withLoadReference(loadReference);
        ObjectNode result = runAndWrite(progress -> BenchmarkHarness.run(settings, progress), null);
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "matmul peak          %.1f GFLOP/s%n", result.get("matmul_gflops").asDouble());
        for (String mode : List.of("inference", "next_item", "full")) {
            o.printf(Locale.ROOT, "step %-15s %.0f sequences/s, %.1f GFLOP/s%n", mode,
                    result.get("step").get(mode).get("sequences_per_second").asDouble(),
                    result.get("step").get(mode).get("gflops").asDouble());
        }
        o.printf(Locale.ROOT, "end to end           %.0f events/s%n", result.get("e2e_events_per_second").asDouble());
        o.printf(Locale.ROOT, "latency at 50%% load  p50 %.0f ms, p99 %.0f ms%n",
                result.get("latency_ms").path("p50").asDouble(Double.NaN),
                result.get("latency_ms").path("p99").asDouble(Double.NaN));
        o.printf(Locale.ROOT, "ratios               full step / peak %.2f, end to end / step %.2f%n",
                result.get("ratios").get("full_step_vs_peak").asDouble(),
                result.get("ratios").get("e2e_vs_step").asDouble());
        o.println("Results written to " + out.toAbsolutePath());
        o.flush();
        return 0;
    }

    private int curve(Configuration options, TradeOffBenchmark.Knob knob, List<Double> values) throws Exception {
        require(data != null, "a curve replays a benchmark file: give --data FILE");
        BenchmarkDataOption.requireFile(spec, data, "--data");
        require(events >= 1, "--events must be at least 1, got " + events);
        TradeOffBenchmark.Settings settings;
        try {
            if (initModel != null && !java.nio.file.Files.exists(initModel)) {
                throw new IllegalArgumentException("--init-model " + initModel + " does not exist");
            }
            settings = new TradeOffBenchmark.Settings(data, events, activeUsers.value(), options, knob, values, timeout,
                    initModel);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        ObjectNode result = runAndWrite(progress -> TradeOffBenchmark.run(settings, progress), TradeOffBenchmark::plot);
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "%-20s %12s %12s %10s %10s%n", knob.key(), "events/s", "NDCG@10", "HR@10", "trained");
        for (var point : result.get("points")) {
            double value = point.get(knob.key()).asDouble();
            o.printf(Locale.ROOT, "%-20s %12.1f %12.4f %10.4f %10d%n",
                    value == Math.rint(value) && knob == TradeOffBenchmark.Knob.BATCH_SIZE
                            ? Long.toString((long) value) : Double.toString(value),
                    point.get("events_per_second").asDouble(), point.get("prequential_ndcg10").asDouble(),
                    point.get("prequential_hr10").asDouble(), point.get("trained_events").asLong());
        }
        o.println("Results written to " + out.toAbsolutePath() + ", plot to " + plotPath().toAbsolutePath());
        o.flush();
        return 0;
    }

    private int maxWaitCurve(Configuration options) throws Exception {
        MaxWaitCurve.Settings settings;
        try {
            BenchmarkHarness.Settings harness = quick
                    ? BenchmarkHarness.Settings.quick(options, timeout)
                    : BenchmarkHarness.Settings.standard(options, backlog, phase, timeout);
            settings = new MaxWaitCurve.Settings(harness.endToEnd(), maxWaits);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        ObjectNode result = runAndWrite(progress -> MaxWaitCurve.run(settings, progress), MaxWaitCurve::plot);
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "%-12s %12s %8s %10s %10s%n", "max wait ms", "sustained/s", "load", "p50 ms", "p99 ms");
        for (var point : result.get("points")) {
            for (var load : point.get("loads")) {
                o.printf(Locale.ROOT, "%-12d %12.1f %7.0f%% %10.0f %10.0f%n", point.get("max_wait_ms").asLong(),
                        point.get("sustained_events_per_second").asDouble(),
                        load.get("load_fraction").asDouble() * 100, load.get("p50").asDouble(),
                        load.get("p99").asDouble());
            }
        }
        o.println("Results written to " + out.toAbsolutePath() + ", plot to " + plotPath().toAbsolutePath());
        o.flush();
        return 0;
    }

    private int scale(Configuration options) throws Exception {
        ScaleBenchmark.Settings settings;
        try {
            settings = new ScaleBenchmark.Settings(scaleUsers, eventsPerUser, scaleItems, options, timeout);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        ObjectNode result = runAndWrite(progress -> ScaleBenchmark.run(settings, progress), null);
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "%10s %10s %10s %14s %14s %12s %12s %12s %6s%n", "users", "events/s", "heap MiB",
                "heap max MiB", "RocksDB B/user", "ckpt B/user", "history keys", "seen keys", "load");
        for (var point : result.get("points")) {
            o.printf(Locale.ROOT, "%10d %10.0f %10.1f %14.1f %14.1f %12.1f %12d %12d %6.2f%n",
                    point.get("users").asInt(), point.get("events_per_second").asDouble(),
                    point.get("heap_after_gc_bytes").asDouble() / (1 << 20),
                    point.get("heap_max_sampled_after_gc_bytes").asDouble() / (1 << 20),
                    point.get("rocksdb_bytes_per_user").asDouble(), point.get("checkpoint_bytes_per_user").asDouble(),
                    point.get("history_keys_estimate").asLong(), point.get("seen_event_keys_estimate").asLong(),
                    point.path("load_average_after").path(0).asDouble(Double.NaN));
        }
        o.println("Results written to " + out.toAbsolutePath());
        o.flush();
        return 0;
    }

    /** A benchmark run that reports its progress line by line. */
    @FunctionalInterface
    private interface Benchmark {
        ObjectNode run(Consumer<String> progress) throws Exception;
    }

    /** Draws a benchmark's result as a PNG. */
    @FunctionalInterface
    private interface Plotter {
        void plot(ObjectNode result, Path png) throws Exception;
    }

    /**
     * Runs {@code benchmark} with its progress on stderr and writes its JSON to --out; with a {@code plotter}, also its
     * plot to {@link #plotPath()}, which the JSON names.
     */
    private ObjectNode runAndWrite(Benchmark benchmark, Plotter plotter) throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (IntentStreamCli.logFile() != null) {
            err.println("Logs: " + IntentStreamCli.logFile());
        }
        ObjectNode result = benchmark.run(line -> {
            err.println(line);
            err.flush();
        });
        if (plotter != null) {
            result.put("plot", plotPath().toAbsolutePath().toString());
        }
        BenchmarkHarness.write(result, out);
        if (plotter != null) {
            plotter.plot(result, plotPath());
        }
        return result;
    }

    /** --plot, or --out's name with .png for .json. */
    private Path plotPath() {
        return plot != null ? plot : out.resolveSibling(out.getFileName().toString().replaceFirst("\\.json$", "")
                + ".png");
    }

    private void require(boolean condition, String message) {
        if (!condition) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}
