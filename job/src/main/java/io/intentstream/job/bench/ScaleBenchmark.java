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
import io.intentstream.job.history.UserHistoryFunction;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.state.rocksdb.RocksDBNativeMetricOptions;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * Does the job's memory stay flat as users grow? Per user count, {@link SyntheticUsers} (each user sends a few
 * events over a small catalogue) runs through the real job on a local MiniCluster: user histories in RocksDB,
 * incremental checkpoints (each one flushes RocksDB's memtables to SST files), outputs discarded, and by default
 * {@code training.fraction} 0 (every event scored, none trained: the question is the state, not the model step).
 *
 * <p>Per point, with the whole stream in the state and the job still running: events/s (first event into the
 * training operator to the last one scored), JVM heap used after a full GC ({@link System#gc()}, read through the
 * MemoryMXBean) before the job, at the end and the largest of the after-GC samples taken every
 * {@link #HEAP_SAMPLE_EVERY} during the run; RocksDB's local working directory on disk and the last checkpoint's
 * full size, both after a checkpoint taken once every event was processed, per user; and RocksDB's own estimate of
 * the keys in each state (the history state should hold one per user).
 */
public final class ScaleBenchmark {

    /** Full GCs during a run cost time: one every few seconds bounds the peak without slowing the run much. */
    static final Duration HEAP_SAMPLE_EVERY = Duration.ofSeconds(10);
    static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(5);
    /** A small model: the scale run is about the state, and the forward pass must not hide it. */
    static final int DEFAULT_HIDDEN_SIZE = 16;

    /**
     * @param users the user counts, one point each
     * @param eventsPerUser events every user sends
     * @param items catalogue size (also the model's item capacity unless the job settings give one)
     * @param jobOptions job settings; unless given: training.fraction 0, hidden size 16, one layer,
     *     checkpoints every 5 s
     * @param timeout the longest one point may run
     */
    public record Settings(List<Integer> users, int eventsPerUser, int items, Configuration jobOptions,
            Duration timeout) {
        public Settings {
            users = List.copyOf(users);
            Objects.requireNonNull(jobOptions, "jobOptions");
            if (users.isEmpty() || users.stream().anyMatch(u -> u < 1)) {
                throw new IllegalArgumentException("give at least one user count, each at least 1: " + users);
            }
            if (eventsPerUser < 1 || items < 2) {
                throw new IllegalArgumentException("eventsPerUser must be at least 1 and items at least 2, got "
                        + eventsPerUser + " and " + items);
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            IntentStreamOptions.validate(effectiveOptions(items, jobOptions));
        }
    }

    /** One user count's measurements; byte figures are -1 where the metric was not available. */
    public record Point(int users, long events, double activeSeconds, double wallSeconds, long heapBeforeBytes,
            long heapAfterBytes, long heapMaxSampledBytes, int heapSamples, long rocksDbDirectoryBytes,
            long checkpointFullBytes, long checkpointDirectoryBytes, long historyKeysEstimate, long seenEventKeysEstimate,
            long sstFilesBytes, java.util.SortedMap<String, Double> rocksDbProperties, double[] loadBefore,
            double[] loadAfter) {

        public double eventsPerSecond() {
            return events / activeSeconds;
        }

        public double rocksDbBytesPerUser() {
            return (double) rocksDbDirectoryBytes / users;
        }

        public double checkpointBytesPerUser() {
            return checkpointFullBytes < 0 ? Double.NaN : (double) checkpointFullBytes / users;
        }
    }

    private ScaleBenchmark() {}

    public static ObjectNode run(Settings settings, Consumer<String> progress) throws Exception {
        long started = System.nanoTime();
        List<Point> points = new ArrayList<>();
        try (TemporaryDirectory directory = TemporaryDirectory.create("intent-stream-scale-")) {
            for (int i = 0; i < settings.users().size(); i++) {
                int users = settings.users().get(i);
                progress.accept(String.format(Locale.ROOT, "%d users x %d events: running", users,
                        settings.eventsPerUser()));
                Point point = runPoint(settings, users, directory.path().resolve("run-" + i));
                progress.accept(String.format(Locale.ROOT, "  %.0f events/s, heap after GC %.1f MiB (max sampled "
                        + "%.1f), RocksDB %.1f B/user on disk, checkpoint %.1f B/user, history keys %d (load %.2f)",
                        point.eventsPerSecond(), mib(point.heapAfterBytes()), mib(point.heapMaxSampledBytes()),
                        point.rocksDbBytesPerUser(), point.checkpointBytesPerUser(), point.historyKeysEstimate(),
                        point.loadAfter() == null ? Double.NaN : point.loadAfter()[0]));
                points.add(point);
            }
        }
        return document(settings, points, (System.nanoTime() - started) / 1e9);
    }

    static Configuration effectiveOptions(int items, Configuration given) {
        Configuration options = new Configuration(given);
        setUnlessGiven(options, given, IntentStreamOptions.TRAINING_FRACTION, 0.0);
        setUnlessGiven(options, given, IntentStreamOptions.ITEM_CAPACITY, items);
        setUnlessGiven(options, given, IntentStreamOptions.HIDDEN_SIZE, DEFAULT_HIDDEN_SIZE);
        setUnlessGiven(options, given, IntentStreamOptions.LAYERS, 1);
        setUnlessGiven(options, given, IntentStreamOptions.CHECKPOINT_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL);
        return options;
    }

    private static <T> void setUnlessGiven(Configuration options, Configuration given,
            org.apache.flink.configuration.ConfigOption<T> option, T value) {
        if (!given.containsKey(option.key())) {
            options.set(option, value);
        }
    }

    private static Point runPoint(Settings settings, int users, Path directory)
            throws Exception {
        Configuration options = effectiveOptions(settings.items(), settings.jobOptions());
        if (!settings.jobOptions().containsKey(RestartStrategyOptions.RESTART_STRATEGY.key())) {
            options.set(RestartStrategyOptions.RESTART_STRATEGY, "none"); // a restart would count events twice
        }
        IntentStreamOptions.validate(options);
        Path rocksDb = directory.resolve("rocksdb");
        Path checkpoints = directory.resolve("checkpoints");
        Configuration flink = IntentStreamJob.localClusterConfiguration(options, checkpoints);
        flink.set(CoreOptions.TMP_DIRS, directory.resolve("tmp").toString());
        flink.set(RocksDBOptions.LOCAL_DIRECTORIES, rocksDb.toString());
        // Incremental checkpoints are RocksDB's own SST files, taken after a memtable flush: the checkpoint's size
        // is the state's size on disk, and overwritten values of one memtable are written once.
        flink.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        flink.set(RocksDBNativeMetricOptions.ESTIMATE_NUM_KEYS, true);
        flink.set(RocksDBNativeMetricOptions.MONITOR_TOTAL_SST_FILES_SIZE, true);
        flink.setString("metrics.reporter.scale.factory.class", LiveMetricsReporter.class.getName());
        flink.set(MetricOptions.REPORTERS_LIST, "scale");
        // The job always runs on RocksDB; a state backend named in the settings (hashmap) is the control run that
        // shows what the same users cost when their state is on the heap.
        settings.jobOptions().getOptional(StateBackendOptions.STATE_BACKEND)
                .ifPresent(backend -> flink.set(StateBackendOptions.STATE_BACKEND, backend));
        LiveMetricsReporter.clear();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(flink);
        env.setParallelism(1); // one RocksDB instance to measure; the model has one subtask anyway
        SyntheticUsers stream = new SyntheticUsers(users, settings.eventsPerUser(), settings.items());
        new IntentStreamJob(options, stream.source(), new DiscardingSink<IntentAssignment>(),
                new DiscardingSink<Recommendation>(), new DiscardingSink<DeadLetter>()).build(env);

        double[] loadBefore = BenchmarkHarness.loadAverage();
        long heapBefore = heapAfterGc();
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        long submitted = System.nanoTime();
        JobClient client = env.executeAsync(IntentStreamJob.JOB_NAME + "-scale");
        AtomicLong heapMax = new AtomicLong(heapBefore);
        AtomicLong heapSamples = new AtomicLong();
        Thread sampler = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(HEAP_SAMPLE_EVERY.toMillis());
                    heapMax.accumulateAndGet(heapAfterGc(), Math::max);
                    heapSamples.incrementAndGet();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "scale-heap-sampler");
        sampler.setDaemon(true);
        try {
            sampler.start();
            long firstEvent = 0;
            long lastScored;
            while (true) {
                requireRunning(client, deadline, users, "the stream to be scored");
                double in = LiveMetricsReporter.sumNamed("eventsIn").orElse(0);
                if (firstEvent == 0 && in > 0) {
                    firstEvent = System.nanoTime();
                }
                if (LiveMetricsReporter.sumNamed("eventsOut").orElse(0) >= stream.events()) {
                    lastScored = System.nanoTime();
                    break;
                }
                Thread.sleep(50);
            }
            // The checkpoint after next began after the last event: its flush and size include all the state.
            double completed = LiveMetricsReporter.sumNamed("numberOfCompletedCheckpoints").orElse(0);
            while (LiveMetricsReporter.sumNamed("numberOfCompletedCheckpoints").orElse(0) < completed + 2) {
                requireRunning(client, deadline, users, "two checkpoints after the last event");
                Thread.sleep(100);
            }
            sampler.interrupt();
            sampler.join(TimeUnit.MINUTES.toMillis(1));
            long heapAfter = heapAfterGc();
            heapMax.accumulateAndGet(heapAfter, Math::max);
            Point point = new Point(users, stream.events(), (lastScored - firstEvent) / 1e9,
                    (lastScored - submitted) / 1e9, heapBefore, heapAfter, heapMax.get(),
                    (int) heapSamples.get() + 1, directoryBytes(rocksDb),
                    (long) LiveMetricsReporter.sumNamed("lastCheckpointFullSize").orElse(-1),
                    directoryBytes(checkpoints),
                    rocksDbKeys(UserHistoryFunction.STATE_NAME), rocksDbKeys(UserHistoryFunction.SEEN_EVENTS_STATE_NAME),
                    (long) sumRocksDb("total-sst-files-size").orElse(-1),
                    LiveMetricsReporter.values(id -> id.contains("rocksdb")), loadBefore, BenchmarkHarness.loadAverage());
            return point;
        } finally {
            sampler.interrupt();
            if (!client.getJobStatus().get(30, TimeUnit.SECONDS).isGloballyTerminalState()) {
                client.cancel().get(1, TimeUnit.MINUTES);
            }
            try {
                client.getJobExecutionResult().get(1, TimeUnit.MINUTES);
            } catch (Exception expected) {
                // cancelled: the source never finishes by itself
            }
        }
    }

    private static void requireRunning(JobClient client, long deadline, int users, String waitingFor)
            throws Exception {
        JobStatus status = client.getJobStatus().get(30, TimeUnit.SECONDS);
        if (status.isGloballyTerminalState()) {
            try {
                client.getJobExecutionResult().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(users + " users: the job ended (" + status + ") while waiting for "
                        + waitingFor, e);
            }
            throw new IllegalStateException(users + " users: the job ended (" + status + ") while waiting for "
                    + waitingFor);
        }
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(users + " users: timed out waiting for " + waitingFor + " (eventsIn "
                    + LiveMetricsReporter.sumNamed("eventsIn").orElse(-1) + ", eventsOut "
                    + LiveMetricsReporter.sumNamed("eventsOut").orElse(-1) + ", completed checkpoints "
                    + LiveMetricsReporter.sumNamed("numberOfCompletedCheckpoints").orElse(-1) + ")");
        }
    }

    /** RocksDB's estimate of the keys in one state's column family, or -1 without the metric. */
    private static long rocksDbKeys(String stateName) {
        OptionalDouble keys = LiveMetricsReporter.sum(
                id -> id.contains("." + stateName + ".") && id.endsWith("rocksdb_estimate-num-keys"));
        return keys.isPresent() ? (long) keys.getAsDouble() : -1;
    }

    private static OptionalDouble sumRocksDb(String property) {
        return LiveMetricsReporter.sum(id -> id.endsWith("rocksdb_" + property));
    }

    /** Heap used after a full collection: what the JVM holds live, not the garbage of the last seconds. */
    static long heapAfterGc() {
        System.gc();
        System.gc(); // the first may leave objects freed only by finalisation/reference processing
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long directoryBytes(Path directory) {
        if (!Files.exists(directory)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile).mapToLong(file -> {
                try {
                    return Files.size(file);
                } catch (IOException e) {
                    return 0; // deleted while walking (compaction, checkpoint clean-up)
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    static ObjectNode document(Settings settings, List<Point> points, double elapsedSeconds) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("benchmark", "scale");
        root.put("state_backend", settings.jobOptions().getOptional(StateBackendOptions.STATE_BACKEND)
                .orElse("rocksdb"));
        root.put("events_per_user", settings.eventsPerUser());
        root.put("items", settings.items());
        root.put("heap_measure", "JVM heap used after System.gc() (MemoryMXBean), with every event in the state and "
                + "the job running; max over samples every " + HEAP_SAMPLE_EVERY.toSeconds() + " s and the end");
        root.put("rocksdb_measure", "bytes of RocksDB's local working directory after a checkpoint that began once "
                + "every event was scored (incremental checkpoints flush memtables); checkpoint full size from the "
                + "job's lastCheckpointFullSize");
        ObjectNode jobSettings = root.putObject("job_settings");
        effectiveOptions(settings.items(), settings.jobOptions()).toMap().forEach(jobSettings::put);
        ArrayNode array = root.putArray("points");
        for (Point p : points) {
            ObjectNode node = array.addObject();
            node.put("users", p.users());
            node.put("events", p.events());
            node.put("events_per_second", p.eventsPerSecond());
            node.put("active_seconds", p.activeSeconds());
            node.put("wall_seconds_with_start_up", p.wallSeconds());
            node.put("heap_before_bytes", p.heapBeforeBytes());
            node.put("heap_after_gc_bytes", p.heapAfterBytes());
            node.put("heap_max_sampled_after_gc_bytes", p.heapMaxSampledBytes());
            node.put("heap_samples", p.heapSamples());
            node.put("rocksdb_directory_bytes", p.rocksDbDirectoryBytes());
            node.put("rocksdb_bytes_per_user", p.rocksDbBytesPerUser());
            node.put("rocksdb_sst_files_bytes", p.sstFilesBytes());
            node.put("checkpoint_full_bytes", p.checkpointFullBytes());
            node.put("checkpoint_bytes_per_user", p.checkpointBytesPerUser());
            node.put("checkpoint_directory_bytes", p.checkpointDirectoryBytes());
            node.put("history_keys_estimate", p.historyKeysEstimate());
            node.put("seen_event_keys_estimate", p.seenEventKeysEstimate());
            ObjectNode properties = node.putObject("rocksdb_native_metrics");
            p.rocksDbProperties().forEach(properties::put);
            BenchmarkHarness.putLoad(node, "load_average_before", p.loadBefore());
            BenchmarkHarness.putLoad(node, "load_average_after", p.loadAfter());
        }
        root.putObject("machine").put("processors", Runtime.getRuntime().availableProcessors())
                .put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        root.put("elapsed_seconds", elapsedSeconds);
        return root;
    }

}
