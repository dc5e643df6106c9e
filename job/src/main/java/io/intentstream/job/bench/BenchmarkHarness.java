package io.intentstream.job.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.config.ScoringMode;
import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.bench.MatmulPeak;
import io.intentstream.model.bench.StepBenchmark;
import io.intentstream.model.bench.StepGemms;
import io.intentstream.model.bench.StepMode;
import io.intentstream.model.bench.Timings;
import io.intentstream.model.training.TorchThreads;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import org.apache.flink.configuration.Configuration;

/**
 * The performance harness: in one run on one machine, the engine's fp32 matmul peak, the bare model step
 * ({@link StepBenchmark}) and the job end to end ({@link EndToEndBenchmark}), written side by side as JSON with
 * the ratios between them and the goals of issue 7.
 */
public final class BenchmarkHarness {

    /** Goals: the full step reaches this share of the matmul peak. */
    public static final double GOAL_STEP_VS_PEAK = 0.40;
    /** Goals: end to end reaches this share of the bare step's sequences per second. */
    public static final double GOAL_E2E_VS_STEP = 0.70;
    /** Time spent timing each of the full step's products alone (StepGemms). */
    private static final Duration GEMM_BUDGET_EACH = Duration.ofMillis(300);

    /** Goals: p99 latency at 50% load below this. */
    public static final double GOAL_P99_MILLIS = 500;

    /**
     * What to run: the full harness ({@link #standard}) or a quick one ({@link #quick}) for tests.
     *
     * @param matmulSize side of the square matrices of the peak measurement
     * @param stepConfig the model shapes of the bare step
     * @param stepBatch sequences per bare step
     * @param stepMinSteps steps timed at least per mode
     * @param stepBudget time after which no further step is started
     * @param endToEnd the end-to-end run; its job settings should describe the same model as {@code stepConfig}
     */
    public record Settings(boolean quick, int matmulSize, Duration matmulBudget, ElcRecConfig stepConfig,
            int stepBatch, int stepWarmUp, int stepMinSteps, Duration stepBudget, EndToEndBenchmark.Settings endToEnd) {
        public Settings {
            Objects.requireNonNull(stepConfig, "stepConfig");
            Objects.requireNonNull(endToEnd, "endToEnd");
        }

        /**
         * Beauty's items, the model and batch the job settings describe (by default the {@code beauty} preset at
         * batch 256) and a few minutes of end-to-end load.
         */
        public static Settings standard(Configuration jobOptions, int backlogEvents, Duration phase,
                Duration timeout) {
            Configuration options = new Configuration(jobOptions);
            return new Settings(false, 2048, Duration.ofSeconds(15),
                    stepConfig(options, StepBenchmark.BEAUTY_ITEMS), options.get(IntentStreamOptions.BATCH_SIZE), 3, 10,
                    Duration.ofSeconds(30),
                    new EndToEndBenchmark.Settings(options, STANDARD_USERS, StepBenchmark.BEAUTY_ITEMS, backlogEvents,
                            phase, List.of(0.5, 0.9), timeout, 2, 42L));
        }

        /**
         * Small shapes (2,000 items, k 16, batch 64) and a few seconds per phase: checks that the harness works
         * end to end, its numbers are not the model's.
         */
        public static Settings quick(Configuration jobOptions, Duration timeout) {
            Configuration options = new Configuration(jobOptions);
            setIfAbsent(options, IntentStreamOptions.CLUSTERS, 16);
            setIfAbsent(options, IntentStreamOptions.BATCH_SIZE, 64);
            setIfAbsent(options, IntentStreamOptions.CENTRE_WARM_UP, 128);
            return new Settings(true, 512, Duration.ofSeconds(1), stepConfig(options, 2_000),
                    options.get(IntentStreamOptions.BATCH_SIZE), 1, 3, Duration.ZERO,
                    new EndToEndBenchmark.Settings(options, 300, 500, 1_500, Duration.ofSeconds(4),
                            List.of(0.5, 0.9), timeout, 2, 42L));
        }

        /**
         * The model the job settings describe (the preset and any {@code model.*} override, so {@code
         * --model.hidden-size 128} times the step the end-to-end run trains), over {@code items} items, on the CPU.
         * The step's batch is likewise the job's {@code training.batch-size}.
         */
        static ElcRecConfig stepConfig(Configuration jobOptions, int items) {
            Configuration stepOptions = new Configuration(jobOptions);
            stepOptions.set(IntentStreamOptions.ITEM_CAPACITY, items);
            return IntentStreamOptions.modelConfig(stepOptions).toBuilder().device(Device.CPU).build();
        }

        /**
         * These settings with the end-to-end load fractions applied to {@code eventsPerSecond} instead of the run's
         * own sustained rate: to compare two configurations (scoring.mode) at the same absolute load.
         */
        public Settings withLoadReference(double eventsPerSecond) {
            return new Settings(quick, matmulSize, matmulBudget, stepConfig, stepBatch, stepWarmUp, stepMinSteps,
                    stepBudget, endToEnd.with(endToEnd.jobOptions(), eventsPerSecond));
        }

        private static <T> void setIfAbsent(Configuration options,
                org.apache.flink.configuration.ConfigOption<T> option, T value) {
            if (!options.containsKey(option.key())) {
                options.set(option, value);
            }
        }
    }

    /**
     * Users of the standard end-to-end stream: few enough that a 20,000-event backlog gives nearly every event a
     * history, as in a running job. With one event per user (measured: 20,000 users) most events have nothing to
     * train on, the backlog drains at the cost of scoring alone, and the load phases that follow (whose users
     * then have histories) are overloaded at "50%" of that rate.
     */
    static final int STANDARD_USERS = 2_000;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchmarkHarness() {}

    /** Runs everything and returns the JSON document (see the README's benchmark section for the fields). */
    public static ObjectNode run(Settings settings, Consumer<String> progress) throws Exception {
        long started = System.nanoTime();
        double[] loadBefore = loadAverage();
        progress.accept("Measuring the fp32 matmul peak (" + settings.matmulSize() + "^2)");
        Timings matmul = MatmulPeak.measure(settings.matmulSize(), 3, settings.matmulBudget());
        progress.accept(String.format(Locale.ROOT, "  %.1f GFLOP/s (best %.1f)", matmul.gflops(),
                matmul.bestGflops()));

        Map<StepMode, StepBenchmark.Result> steps = new EnumMap<>(StepMode.class);
        StepBenchmark.Settings stepSettings = new StepBenchmark.Settings(settings.stepConfig(), settings.stepBatch(),
                settings.stepWarmUp(), settings.stepMinSteps(), settings.stepBudget());
        for (StepMode mode : StepMode.values()) {
            progress.accept("Timing the model step: " + mode.name().toLowerCase(Locale.ROOT));
            StepBenchmark.Result result = StepBenchmark.measure(mode, stepSettings);
            steps.put(mode, result);
            progress.accept(String.format(Locale.ROOT, "  %.0f sequences/s, %.1f GFLOP/s (median of %d steps)",
                    result.sequencesPerSecond(), result.gflops(), result.timings().runs()));
        }

        progress.accept("Timing the full step's matrix products at their own shapes");
        List<StepGemms.Measured> gemms = StepGemms.measure(
                StepGemms.fullStep(settings.stepConfig(), settings.stepBatch()), 3,
                settings.quick() ? Duration.ZERO : GEMM_BUDGET_EACH);
        progress.accept(String.format(Locale.ROOT, "  products alone at the step's shapes: %.1f GFLOP/s",
                StepGemms.ceiling(gemms)));

        progress.accept("Running the job end to end");
        EndToEndBenchmark.Result e2e;
        try (EndToEndBenchmark benchmark = new EndToEndBenchmark(settings.endToEnd(), progress)) {
            e2e = benchmark.run();
        }
        double[] loadAfter = loadAverage();
        ObjectNode document = document(settings, matmul, steps, e2e, loadBefore, loadAfter,
                (System.nanoTime() - started) / 1e9);
        putGemms(document, gemms, matmul, steps.get(StepMode.FULL));
        return document;
    }

    /**
     * The full step's products timed alone at their shapes: what each reaches, and the rate the step would reach
     * if only its products took time, against the square peak and against the step itself.
     */
    static void putGemms(ObjectNode document, List<StepGemms.Measured> gemms, Timings matmul,
            StepBenchmark.Result full) {
        var products = document.putArray("step_products");
        double seconds = 0;
        for (StepGemms.Measured m : gemms) {
            StepGemms.Product p = m.product();
            ObjectNode node = products.addObject();
            node.put("name", p.name());
            node.put("batch", p.batch());
            node.put("m", p.m());
            node.put("k", p.k());
            node.put("n", p.n());
            node.put("per_step", p.perStep());
            node.put("gflops", m.timings().gflops());
            node.put("ms_per_step", m.secondsPerStep() * 1e3);
            seconds += m.secondsPerStep();
        }
        double ceiling = StepGemms.ceiling(gemms);
        document.put("step_products_gflops", ceiling);
        document.put("step_products_ms", seconds * 1e3);
        ObjectNode ratios = (ObjectNode) document.get("ratios");
        ratios.put("step_products_vs_peak", ceiling / matmul.gflops());
        ratios.put("full_step_vs_step_products", full.gflops() / ceiling);
    }

    static ObjectNode document(Settings settings, Timings matmul, Map<StepMode, StepBenchmark.Result> steps,
            EndToEndBenchmark.Result e2e, double[] loadBefore, double[] loadAfter, double elapsedSeconds) {
        ObjectNode root = JSON.createObjectNode();
        root.put("created", Instant.now().toString());
        root.put("quick", settings.quick());
        root.put("matmul_gflops", matmul.gflops());
        ObjectNode matmulNode = root.putObject("matmul");
        matmulNode.put("size", settings.matmulSize());
        matmulNode.put("runs", matmul.runs());
        matmulNode.put("median_ms", matmul.medianSeconds() * 1e3);
        matmulNode.put("best_gflops", matmul.bestGflops());

        ObjectNode step = root.putObject("step");
        for (Map.Entry<StepMode, StepBenchmark.Result> entry : steps.entrySet()) {
            StepBenchmark.Result r = entry.getValue();
            ObjectNode node = step.putObject(entry.getKey().name().toLowerCase(Locale.ROOT));
            node.put("sequences_per_second", r.sequencesPerSecond());
            node.put("gflops", r.gflops());
            node.put("best_gflops", r.timings().bestGflops());
            node.put("median_ms", r.timings().medianSeconds() * 1e3);
            node.put("best_ms", r.timings().bestSeconds() * 1e3);
            node.put("gflop_per_step", r.timings().flopsPerRun() / 1e9);
            node.put("steps", r.timings().runs());
        }
        ObjectNode shapes = root.putObject("step_shapes");
        ElcRecConfig c = settings.stepConfig();
        shapes.put("batch", settings.stepBatch());
        shapes.put("items", c.itemCount());
        shapes.put("max_sequence_length", c.maxSequenceLength());
        shapes.put("hidden_size", c.hiddenSize());
        shapes.put("layers", c.layers());
        shapes.put("clusters", c.clusters());
        shapes.put("fusion", c.fusion().name());

        root.put("e2e_events_per_second", e2e.sustainedEventsPerSecond());
        ObjectNode e2eNode = root.putObject("e2e");
        e2eNode.put("backlog_events", e2e.backlogEvents());
        e2eNode.put("backlog_seconds_with_start_up", e2e.backlogSeconds());
        // Under scoring.mode SEPARATE the trainer may leave events out; the answered rate is then not the trained one.
        e2eNode.put("backlog_events_not_trained", e2e.backlogNotTrained());
        e2eNode.put("backlog_trained_share", e2e.backlogTrainedShare());
        e2eNode.put("delivery_guarantee", e2e.deliveryGuarantee());
        e2eNode.put("checkpoint_interval_ms", e2e.checkpointInterval().toMillis());
        e2eNode.put("batch_size", e2e.batchSize());
        e2eNode.put("max_batch_wait_ms", e2e.maxBatchWait().toMillis());
        Configuration jobOptions = settings.endToEnd().jobOptions();
        ScoringMode scoring = jobOptions.get(IntentStreamOptions.SCORING_MODE);
        e2eNode.put("scoring_mode", scoring.name());
        if (scoring == ScoringMode.SEPARATE) {
            e2eNode.put("scoring_max_wait_ms", jobOptions.get(IntentStreamOptions.SCORING_MAX_WAIT).toMillis());
            e2eNode.put("model_update_interval_ms",
                    jobOptions.get(IntentStreamOptions.SCORING_MODEL_UPDATE_INTERVAL).toMillis());
        }
        if (!Double.isNaN(settings.endToEnd().referenceEventsPerSecond())) {
            e2eNode.put("load_reference_events_per_second", settings.endToEnd().referenceEventsPerSecond());
        }
        e2eNode.put("users", settings.endToEnd().users());
        e2eNode.put("items", settings.endToEnd().items());
        var loads = e2eNode.putArray("loads");
        for (EndToEndBenchmark.LoadPoint p : e2e.loads()) {
            loads.add(loadNode(p));
        }
        ObjectNode latency = root.putObject("latency_ms");
        e2e.loads().stream().filter(p -> p.loadFraction() == 0.5).findFirst().ifPresent(p -> {
            latency.put("p50", p.p50());
            latency.put("p99", p.p99());
            latency.put("load_fraction", p.loadFraction());
        });
        e2e.loads().stream().filter(p -> p.loadFraction() == 0.9).findFirst().ifPresent(p -> {
            ObjectNode at90 = root.putObject("latency_ms_at_90_percent");
            at90.put("p50", p.p50());
            at90.put("p99", p.p99());
        });

        StepBenchmark.Result full = steps.get(StepMode.FULL);
        StepBenchmark.Result inference = steps.get(StepMode.INFERENCE);
        ObjectNode ratios = root.putObject("ratios");
        double stepVsPeak = full.gflops() / matmul.gflops();
        // The ratio is of events the job trains on: under scoring.mode SEPARATE the trainer may leave part
        // of the backlog out, and the rate of answers alone says nothing about the step.
        double trainedShare = e2e.backlogTrainedShare();
        double e2eVsStep = e2e.sustainedEventsPerSecond() * trainedShare / full.sequencesPerSecond();
        // The job scores every event as well as training on it, and (prequential metrics) scores the sampled
        // share of histories once more before training: its ceiling is one full step and 1 + share scoring
        // passes per event.
        double prequential = settings.endToEnd().jobOptions().get(IntentStreamOptions.PREQUENTIAL_SAMPLE_FRACTION);
        double scoreAndStep = 1 / (1 / full.sequencesPerSecond() + (1 + prequential) / inference.sequencesPerSecond());
        e2eNode.put("prequential_sample_fraction", prequential);
        e2eNode.put("bare_ceiling_events_per_second", scoreAndStep);
        ratios.put("full_step_vs_peak", stepVsPeak);
        ratios.put("e2e_vs_step", e2eVsStep);
        if (trainedShare < 1) {
            ratios.put("e2e_answered_vs_step", e2e.sustainedEventsPerSecond() / full.sequencesPerSecond());
        }
        ratios.put("e2e_vs_score_and_step", e2e.sustainedEventsPerSecond() * trainedShare / scoreAndStep);
        ObjectNode goals = root.putObject("goals");
        goals.put("full_step_vs_peak_at_least", GOAL_STEP_VS_PEAK);
        goals.put("full_step_vs_peak_met", stepVsPeak >= GOAL_STEP_VS_PEAK);
        goals.put("e2e_vs_step_at_least", GOAL_E2E_VS_STEP);
        goals.put("e2e_vs_step_met", e2eVsStep >= GOAL_E2E_VS_STEP);
        goals.put("p99_at_50_percent_below_ms", GOAL_P99_MILLIS);
        goals.put("p99_met", latency.has("p99") && latency.get("p99").asDouble() < GOAL_P99_MILLIS);

        ObjectNode machine = root.putObject("machine");
        machine.put("processors", Runtime.getRuntime().availableProcessors());
        machine.put("torch_threads", TorchThreads.current());
        machine.put("torch_passive_workers", TorchThreads.passiveWorkers());
        putLoad(machine, "load_average_before", loadBefore);
        putLoad(machine, "load_average_after", loadAfter);
        root.put("elapsed_seconds", elapsedSeconds);
        return root;
    }

    /** One load phase's latencies as JSON (milliseconds). */
    static ObjectNode loadNode(EndToEndBenchmark.LoadPoint p) {
        ObjectNode node = JSON.createObjectNode();
        node.put("load_fraction", p.loadFraction());
        node.put("target_events_per_second", p.targetEventsPerSecond());
        node.put("input_events_per_second", p.inputEventsPerSecond());
        node.put("events", p.events());
        node.put("p50", p.p50());
        node.put("p90", p.p90());
        node.put("p99", p.p99());
        node.put("max", p.max());
        node.put("mean_event_to_emit_ms", p.meanPipelineMillis());
        node.put("event_to_flush_p50", p.toFlushP50());
        node.put("event_to_flush_p99", p.toFlushP99());
        node.put("flush_to_arrival_p50", p.afterFlushP50());
        node.put("flush_to_arrival_p99", p.afterFlushP99());
        node.put("events_not_trained", p.notTrained());
        node.put("trained_share", p.trainedShare());
        return node;
    }

    public static void write(ObjectNode document, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writeValue(file.toFile(), document);
    }

    /** Writes a load average triple (1, 5, 15 minutes) under {@code name} when there is one. */
    static void putLoad(ObjectNode machine, String name, double[] load) {
        if (load != null) {
            var array = machine.putArray(name);
            for (double l : load) {
                array.add(l);
            }
        }
    }

    /** The 1, 5 and 15 minute load averages, or null where /proc is not there. */
    static double[] loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(fields[0]), Double.parseDouble(fields[1]),
                Double.parseDouble(fields[2])};
        } catch (IOException | RuntimeException unavailable) {
            return null;
        }
    }
}
