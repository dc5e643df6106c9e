package io.intentstream.job.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.IntentStreamJob;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.embedded.TemporaryDirectory;
import io.intentstream.job.replay.BenchmarkSequenceFormat;
import io.intentstream.job.replay.InitialModel;
import io.intentstream.job.source.InteractionRecord;
import io.intentstream.job.training.IntentTrainingOperator;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.ElcRecModel;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.export.BenchmarkItems;
import io.intentstream.model.export.ModelExport;
import io.intentstream.model.offline.BenchmarkDataset;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A throughput/quality trade-off curve: the same prefix of a benchmark file, replayed as a stream through the job
 * (file source in the replay's benchmark interleaving, user state in RocksDB, the training operator; outputs
 * discarded) once per value of one job setting, each run from the same initial model. Per point: events per
 * second and the prequential HR@10 / NDCG@10 over the whole prefix (every event scored by the model as it was
 * just before the event's batch trained, so quality and speed come from the same run).
 *
 * <p>The initial model is a given snapshot ({@code --init-model}: a trained model the points serve and go on
 * training; its prequential figures only mean something on events it was not trained on), or else the replay's
 * offline layout: one embedding row per benchmark item (row n = item n) and
 * the centres set by k-means on every user's training sequence; its parameters are otherwise freshly initialised,
 * so fraction 0 shows what an untrained model scores and every other point how much the stream taught it.
 *
 * <p>Unless the job settings give {@code training.max-wait}, {@code training.max-event-time-span} or
 * {@code parallelism.default}, the job runs at parallelism 1 and batches are cut by size only, so a point's model
 * depends on its input alone (the same value twice gives the same final model checksum).
 *
 * <p>Events per second is measured over the training operator's busy span (first event to end of input), which
 * leaves out the MiniCluster's start-up; the wall time from submission to the end is recorded next to it.
 */
public final class TradeOffBenchmark {

    /** The job setting a curve varies. */
    public enum Knob {
        TRAINING_FRACTION(IntentStreamOptions.TRAINING_FRACTION.key(), "training fraction"),
        BATCH_SIZE(IntentStreamOptions.BATCH_SIZE.key(), "batch size (events)");

        private final String key;
        private final String axisTitle;

        Knob(String key, String axisTitle) {
            this.key = key;
            this.axisTitle = axisTitle;
        }

        public String key() {
            return key;
        }

        void apply(Configuration options, double value) {
            switch (this) {
                case TRAINING_FRACTION -> options.set(IntentStreamOptions.TRAINING_FRACTION, value);
                case BATCH_SIZE -> {
                    if (value != Math.rint(value)) {
                        throw new IllegalArgumentException("batch sizes are whole numbers, got " + value);
                    }
                    options.set(IntentStreamOptions.BATCH_SIZE, (int) value);
                }
            }
        }
    }

    /**
     * @param data a benchmark sequence file ({@code user item...} per line)
     * @param events how many events of its interleaved stream each point replays
     * @param activeUsers users interleaved at once (the command's default is
     *     {@link io.intentstream.job.replay.BenchmarkInterleaving#PREFIX_ACTIVE_USERS})
     * @param jobOptions job settings shared by every point (the knob's own is overridden per point)
     * @param timeout the longest one point may run
     * @param initModel a snapshot every point starts from instead of the replay's untrained layout, or null
     */
    public record Settings(Path data, int events, int activeUsers, Configuration jobOptions, Knob knob,
            List<Double> values, Duration timeout, Path initModel) {
        public Settings {
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(jobOptions, "jobOptions");
            Objects.requireNonNull(knob, "knob");
            values = List.copyOf(values);
            if (events < 1 || activeUsers < 1) {
                throw new IllegalArgumentException("events and activeUsers must be at least 1, got " + events
                        + " and " + activeUsers);
            }
            if (values.isEmpty()) {
                throw new IllegalArgumentException("a curve needs at least one value of " + knob.key());
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            if (jobOptions.containsKey(IntentStreamOptions.MODEL_INIT_PATH.key())) {
                throw new IllegalArgumentException("a curve sets --" + IntentStreamOptions.MODEL_INIT_PATH.key()
                        + " itself; give the snapshot with --init-model");
            }
            for (double value : values) {
                Configuration check = new Configuration(jobOptions);
                knob.apply(check, value);
                IntentStreamOptions.validate(check); // fails now, naming the option, not after the first points
            }
        }
    }

    /** One run of the curve. */
    public record Point(double value, long events, long trainedEvents, long scoredOnlyEvents, long trainSteps,
            double activeSeconds, double wallSeconds, long prequentialScored, long prequentialHits,
            double prequentialNdcgSum, long finalModelVersion, long finalModelChecksum, double[] loadBefore,
            double[] loadAfter) {

        public double eventsPerSecond() {
            return events / activeSeconds;
        }

        public double hitRate10() {
            return prequentialScored == 0 ? Double.NaN : (double) prequentialHits / prequentialScored;
        }

        public double ndcg10() {
            return prequentialScored == 0 ? Double.NaN : prequentialNdcgSum / prequentialScored;
        }
    }

    /** The batch wait of a curve unless the job settings give one: longer than any point may run. */
    static final Duration UNLIMITED_WAIT = Duration.ofHours(24);
    /** The batch event-time span of a curve unless the job settings give one: longer than any replayed prefix. */
    static final Duration UNLIMITED_SPAN = Duration.ofDays(365 * 100);

    private TradeOffBenchmark() {}

    /** Runs every point and returns the JSON document. */
    public static ObjectNode run(Settings settings, Consumer<String> progress) throws Exception {
        long started = System.nanoTime();
        BenchmarkDataset dataset = BenchmarkDataset.read(settings.data());
        List<Point> points = new ArrayList<>();
        try (TemporaryDirectory directory = TemporaryDirectory.create("intent-stream-tradeoff-")) {
            Configuration base = new Configuration(settings.jobOptions());
            base.set(IntentStreamOptions.ITEM_CAPACITY, dataset.itemCount());
            Path initial;
            if (settings.initModel() != null) {
                ModelSnapshot snapshot = new InitialModel(settings.initModel()).load(); // fails here, not in a job
                progress.accept(String.format(Locale.ROOT, "Initial model: version %d of %s (%d item rows)",
                        snapshot.version(), settings.initModel(), snapshot.config().itemCount()));
                initial = settings.initModel().toAbsolutePath();
            } else {
                initial = initialModel(dataset, base, directory.path().resolve("initial"), progress);
            }
            base.set(IntentStreamOptions.MODEL_INIT_PATH, initial.toString());
            for (int i = 0; i < settings.values().size(); i++) {
                double value = settings.values().get(i);
                Configuration options = new Configuration(base);
                settings.knob().apply(options, value);
                progress.accept(String.format(Locale.ROOT, "%s = %s: replaying %d events of %s", settings.knob().key(),
                        format(value), settings.events(), settings.data()));
                Point point = runPoint(settings, options, value, directory.path().resolve("run-" + i));
                progress.accept(String.format(Locale.ROOT, "  %.1f events/s, prequential NDCG@10 %.4f HR@10 %.4f "
                        + "(%d trained, %d scored only, %d steps; load %.2f)", point.eventsPerSecond(),
                        point.ndcg10(), point.hitRate10(), point.trainedEvents(), point.scoredOnlyEvents(),
                        point.trainSteps(), point.loadAfter() == null ? Double.NaN : point.loadAfter()[0]));
                points.add(point);
            }
        }
        return document(settings, dataset, points, (System.nanoTime() - started) / 1e9);
    }

    /**
     * The replay's layout for a benchmark file: identity item rows and k-means centres on all training sequences
     * (what {@code replay} and offline {@code train} start from), exported once so every point starts from it.
     */
    private static Path initialModel(BenchmarkDataset dataset, Configuration options, Path directory,
            Consumer<String> progress) {
        ElcRecConfig config = IntentStreamOptions.modelConfig(options);
        try (ElcRecModel model = ElcRecModel.create(config)) {
            if (config.contrastEnabled() || config.clusterLossEnabled()) {
                long started = System.nanoTime();
                model.initialiseCentres(dataset.trainingInputs(config.maxSequenceLength()));
                progress.accept(String.format(Locale.ROOT, "Initial model: %d items, centres by k-means on %d "
                        + "training sequences in %.1f s", config.itemCount(), dataset.trainingUserCount(),
                        (System.nanoTime() - started) / 1e9));
            }
            ModelSnapshot snapshot = model.snapshot()
                    .withItemIndex(BenchmarkItems.identityIndex(config.itemCount()).toBytes());
            return new ModelExport(directory, 1).write(snapshot, "bench", Map.of());
        }
    }

    private static Point runPoint(Settings settings, Configuration userOptions, double value, Path directory)
            throws Exception {
        Configuration options = new Configuration(userOptions);
        if (!settings.jobOptions().containsKey(IntentStreamOptions.CHECKPOINT_INTERVAL.key())) {
            options.set(IntentStreamOptions.CHECKPOINT_INTERVAL, EndToEndBenchmark.DEFAULT_CHECKPOINT_INTERVAL);
        }
        if (!settings.jobOptions().containsKey(IntentStreamOptions.MAX_BATCH_WAIT.key())) {
            // A replay drains as fast as the job can go: batches are cut by size (and the end of input) only, so
            // every point trains the model the input alone decides, and the batch size is the one asked for.
            options.set(IntentStreamOptions.MAX_BATCH_WAIT, UNLIMITED_WAIT);
        }
        if (!settings.jobOptions().containsKey(IntentStreamOptions.MAX_BATCH_EVENT_TIME_SPAN.key())) {
            // Replayed events are a second apart: the default 5-minute span would cut batches above 300 events.
            options.set(IntentStreamOptions.MAX_BATCH_EVENT_TIME_SPAN, UNLIMITED_SPAN);
        }
        if (!settings.jobOptions().containsKey(RestartStrategyOptions.RESTART_STRATEGY.key())) {
            // A restart would replay part of the prefix and count it twice.
            options.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        }
        IntentStreamOptions.validate(options);
        Configuration flink = IntentStreamJob.localClusterConfiguration(options, directory.resolve("checkpoints"));
        flink.set(CoreOptions.TMP_DIRS, directory.resolve("tmp").toString());
        flink.set(RocksDBOptions.LOCAL_DIRECTORIES, directory.resolve("rocksdb").toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(flink);
        if (!settings.jobOptions().containsKey(CoreOptions.DEFAULT_PARALLELISM.key())) {
            // The model has one subtask anyway; one user-history subtask keeps the order of events reaching it,
            // and so the batches, the same in every run (two would interleave by timing).
            env.setParallelism(1);
        }
        Path file = settings.data().toAbsolutePath();
        FileSource<InteractionRecord> source = FileSource.forRecordStreamFormat(
                new StreamPrefixFormat(new BenchmarkSequenceFormat("file:" + file, settings.activeUsers(), 0),
                        settings.events()),
                new org.apache.flink.core.fs.Path(file.toUri())).build();
        new IntentStreamJob(options, source, new DiscardingSink<IntentAssignment>(),
                new DiscardingSink<Recommendation>(), new DiscardingSink<DeadLetter>()).build(env);

        double[] loadBefore = BenchmarkHarness.loadAverage();
        long submitted = System.nanoTime();
        JobClient client = env.executeAsync(IntentStreamJob.JOB_NAME + "-tradeoff");
        JobExecutionResult result;
        try {
            result = client.getJobExecutionResult().get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            client.cancel().get(30, TimeUnit.SECONDS);
            throw new IllegalStateException(settings.knob().key() + " = " + format(value)
                    + ": the replay did not finish within " + settings.timeout(), e);
        }
        double wallSeconds = (System.nanoTime() - submitted) / 1e9;
        long trained = longResult(result, IntentTrainingOperator.TRAINED_EVENTS_ACCUMULATOR);
        long scoredOnly = longResult(result, IntentTrainingOperator.SCORED_ONLY_EVENTS_ACCUMULATOR);
        if (trained + scoredOnly != settings.events()) {
            throw new IllegalStateException(String.format(Locale.ROOT, "%s = %s: %d events replayed but %d answered",
                    settings.knob().key(), format(value), settings.events(), trained + scoredOnly));
        }
        Double ndcgSum = result.getAccumulatorResult(IntentTrainingOperator.PREQUENTIAL_NDCG_SUM_ACCUMULATOR);
        return new Point(value, trained + scoredOnly, trained, scoredOnly,
                longResult(result, IntentTrainingOperator.TRAIN_STEPS_ACCUMULATOR),
                longResult(result, IntentTrainingOperator.ACTIVE_NANOS_ACCUMULATOR) / 1e9, wallSeconds,
                longResult(result, IntentTrainingOperator.PREQUENTIAL_SCORED_ACCUMULATOR),
                longResult(result, IntentTrainingOperator.PREQUENTIAL_HITS_ACCUMULATOR),
                ndcgSum == null ? 0 : ndcgSum,
                longResult(result, IntentTrainingOperator.FINAL_MODEL_VERSION_ACCUMULATOR),
                longResult(result, IntentTrainingOperator.FINAL_MODEL_CHECKSUM_ACCUMULATOR),
                loadBefore, BenchmarkHarness.loadAverage());
    }

    private static long longResult(JobExecutionResult result, String name) {
        Long value = result.getAccumulatorResult(name);
        if (value == null) {
            throw new IllegalStateException("the job reported no " + name);
        }
        return value;
    }

    static ObjectNode document(Settings settings, BenchmarkDataset dataset, List<Point> points,
            double elapsedSeconds) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("created", Instant.now().toString());
        root.put("knob", settings.knob().key());
        root.put("data", settings.data().toAbsolutePath().toString());
        root.put("data_users", dataset.userCount());
        root.put("data_items", dataset.itemCount());
        root.put("events", settings.events());
        root.put("active_users", settings.activeUsers());
        root.put("initial_model", settings.initModel() == null ? "untrained, replay layout"
                : settings.initModel().toAbsolutePath().toString());
        ObjectNode jobSettings = root.putObject("job_settings");
        settings.jobOptions().toMap().forEach(jobSettings::put);
        Configuration effective = new Configuration(settings.jobOptions());
        root.put("batch_size", effective.get(IntentStreamOptions.BATCH_SIZE));
        root.put("max_batch_wait_ms", effective.getOptional(IntentStreamOptions.MAX_BATCH_WAIT)
                .orElse(UNLIMITED_WAIT).toMillis());
        root.put("max_batch_event_time_span_ms", effective.getOptional(IntentStreamOptions.MAX_BATCH_EVENT_TIME_SPAN)
                .orElse(UNLIMITED_SPAN).toMillis());
        root.put("prequential_sample_fraction", effective.get(IntentStreamOptions.PREQUENTIAL_SAMPLE_FRACTION));
        ArrayNode array = root.putArray("points");
        for (Point p : points) {
            ObjectNode node = array.addObject();
            node.put(settings.knob().key(), p.value());
            node.put("events", p.events());
            node.put("events_per_second", p.eventsPerSecond());
            node.put("active_seconds", p.activeSeconds());
            node.put("wall_seconds_with_start_up", p.wallSeconds());
            node.put("trained_events", p.trainedEvents());
            node.put("scored_only_events", p.scoredOnlyEvents());
            node.put("train_steps", p.trainSteps());
            node.put("prequential_scored", p.prequentialScored());
            node.put("prequential_hr10", p.hitRate10());
            node.put("prequential_ndcg10", p.ndcg10());
            node.put("final_model_version", p.finalModelVersion());
            node.put("final_model_checksum", Long.toHexString(p.finalModelChecksum()));
            BenchmarkHarness.putLoad(node, "load_average_before", p.loadBefore());
            BenchmarkHarness.putLoad(node, "load_average_after", p.loadAfter());
        }
        ObjectNode machine = root.putObject("machine");
        machine.put("processors", Runtime.getRuntime().availableProcessors());
        root.put("elapsed_seconds", elapsedSeconds);
        return root;
    }

    /** Events/s (left) and prequential NDCG@10 and HR@10 (right) against the knob, as a PNG. */
    public static void plot(ObjectNode document, Path file) throws IOException {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        String key = document.get("knob").asText();
        String axis = java.util.Arrays.stream(Knob.values()).filter(k -> k.key().equals(key)).findFirst()
                .map(k -> k.axisTitle).orElse(key);
        List<Double> x = new ArrayList<>();
        List<Double> rate = new ArrayList<>();
        List<Double> ndcg = new ArrayList<>();
        List<Double> hr = new ArrayList<>();
        for (var point : document.get("points")) {
            x.add(point.get(key).asDouble());
            rate.add(point.get("events_per_second").asDouble());
            ndcg.add(finiteOrNaN(point.get("prequential_ndcg10").asDouble()));
            hr.add(finiteOrNaN(point.get("prequential_hr10").asDouble()));
        }
        String subtitle = String.format(Locale.ROOT, " (%d events of %s)", document.get("events").asInt(),
                Path.of(document.get("data").asText()).getFileName());
        XYChart speed = chart("Throughput" + subtitle, axis, "events/s");
        speed.addSeries("events/s", x, rate).setMarker(SeriesMarkers.CIRCLE);
        XYChart quality = chart("Prequential quality" + subtitle, axis, "metric");
        quality.addSeries("NDCG@10", x, ndcg).setMarker(SeriesMarkers.CIRCLE);
        quality.addSeries("HR@10", x, hr).setMarker(SeriesMarkers.DIAMOND);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(List.of(speed, quality), 1, 2, png, BitmapEncoder.BitmapFormat.PNG);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(file, png.toByteArray());
    }

    private static double finiteOrNaN(double value) {
        return Double.isFinite(value) ? value : Double.NaN;
    }

    private static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setMarkerSize(6);
        chart.getStyler().setYAxisMin(0.0);
        return chart;
    }

    private static String format(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e9 ? Long.toString((long) value)
                : Double.toString(value);
    }
}
