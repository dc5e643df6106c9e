package io.intentstream.job.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.intentstream.job.bench.BenchmarkHarness;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
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
                    + "MiniCluster (sustained events/s, event-to-intent latency at 50% and 90% of that rate); and "
                    + "the ratios between them. Writes everything as JSON.",
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

    @Unmatched
    List<String> jobSettings = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        require(backlog >= 1, "--backlog must be at least 1, got " + backlog);
        require(!phase.isNegative() && !phase.isZero(), "--phase must be positive, got " + phase);
        require(!timeout.isNegative() && !timeout.isZero(), "--timeout must be positive, got " + timeout);
        Configuration options = JobSettingsArguments.parse(jobSettings);
        BenchmarkHarness.Settings settings = quick
                ? BenchmarkHarness.Settings.quick(options, timeout)
                : BenchmarkHarness.Settings.standard(options, backlog, phase, timeout);
        PrintWriter err = spec.commandLine().getErr();
        if (IntentStreamCli.logFile() != null) {
            err.println("Logs: " + IntentStreamCli.logFile());
        }
        ObjectNode result = BenchmarkHarness.run(settings, line -> {
            err.println(line);
            err.flush();
        });
        BenchmarkHarness.write(result, out);
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

    private void require(boolean condition, String message) {
        if (!condition) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}
