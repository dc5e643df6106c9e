package io.intentstream.job.demo;

import io.intentstream.avro.IntentAssignment;
import io.intentstream.job.IntentStreamJob;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.config.StartingOffsets;
import io.intentstream.job.embedded.EmbeddedKafkaBroker;
import io.intentstream.job.embedded.RunResources;
import io.intentstream.job.embedded.TemporaryDirectory;
import io.intentstream.job.replay.BenchmarkInterleaving;
import io.intentstream.job.training.IntentTrainingOperator;
import io.intentstream.model.ContrastSimilarity;
import io.intentstream.model.ElcRecConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the whole pipeline locally: an embedded Kafka broker, fresh topics, the input written to Kafka, the job on a
 * Flink MiniCluster reading a bounded slice of the input topic (so it finishes by itself), and the output topics
 * read back while it runs. Every resource is released by {@link #close()}, which may also be called from another
 * thread (a Ctrl-C shutdown hook) to abort a run.
 */
public final class DemoRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoRunner.class);

    /** How long reading the last committed outputs may take once the job has finished. */
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration PROGRESS_INTERVAL = Duration.ofMillis(500);

    /** Output is only visible to read_committed readers after a checkpoint, so the demo checkpoints often. */
    public static final Duration DEMO_CHECKPOINT_INTERVAL = Duration.ofSeconds(2);

    /** Restarts the demo allows its job before it reports the failure. */
    public static final int DEMO_RESTART_ATTEMPTS = 2;

    /** Smallest item table the demo sizes for its input: comfortably above the default top-N. */
    public static final int MIN_ITEM_CAPACITY = 256;

    /** Where the events come from. */
    public sealed interface Input permits Synthetic, Replay {}

    /** The seeded planted-intent stream. */
    public record Synthetic(PlantedIntentStream.Parameters parameters) implements Input {}

    /** A benchmark file replayed in the order described by {@link BenchmarkInterleaving}. */
    public record Replay(Path file, int maxEvents, int activeUsers) implements Input {}

    /**
     * @param input the events
     * @param malformed malformed records to add to the input topic
     * @param partitions partitions of every topic
     * @param jobOptions {@link IntentStreamOptions} given by the user; the broker address, bounded reading and
     *     starting offsets are the demo's
     * @param timeout the longest the job may run
     * @param seed seeds the random baseline assignment
     * @param injectFailures failures to inject into the job, spread over the run (see {@link FailureInjector})
     */
    public record Settings(Input input, int malformed, int partitions, Configuration jobOptions, Duration timeout,
            long seed, int injectFailures) {
        public Settings(Input input, int malformed, int partitions, Configuration jobOptions, Duration timeout,
                long seed) {
            this(input, malformed, partitions, jobOptions, timeout, seed, 0);
        }

        public Settings {
            if (injectFailures < 0) {
                throw new IllegalArgumentException("injectFailures must not be negative, got " + injectFailures);
            }
            Objects.requireNonNull(input, "input");
            Objects.requireNonNull(jobOptions, "jobOptions");
            Objects.requireNonNull(timeout, "timeout");
            if (malformed < 0) {
                throw new IllegalArgumentException("malformed must not be negative, got " + malformed);
            }
            if (partitions < 1) {
                throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
        }
    }

    /** A snapshot of a running demo for a progress display. */
    public record Progress(
            double elapsedSeconds,
            long eventsIn,
            long intentsOut,
            long recommendationsOut,
            long deadLetters,
            Long trainSteps,
            Double loss,
            long modelVersion) {

        /** Answered events per second of job time so far. */
        public double eventsPerSecond() {
            return elapsedSeconds <= 0 ? 0 : intentsOut / elapsedSeconds;
        }
    }

    /** Receives what the run is doing; called on the thread that runs the demo. */
    public interface Listener {
        void onStep(String message);

        void onProgress(Progress progress);
    }

    private final Settings settings;
    private final Listener listener;
    private final RunResources resources = new RunResources("demo");

    public DemoRunner(Settings settings, Listener listener) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Runs the demo to the end.
     *
     * @throws IllegalArgumentException if the settings or job options are invalid
     * @throws IllegalStateException if the broker, the job or reading the outputs fails or times out
     * @throws CancellationException if {@link #close()} stopped the run
     */
    public DemoSummary run() throws Exception {
        try {
            return runToTheEnd();
        } catch (Exception e) {
            if (resources.isClosed()) {
                throw new CancellationException("The demo was stopped before it finished");
            }
            throw e;
        }
    }

    private DemoSummary runToTheEnd() throws Exception {
        long runStarted = System.nanoTime();
        InputEvents events = loadInput();
        Configuration options = demoOptions(settings.jobOptions(), settings.input(), events.distinctItems(),
                settings.injectFailures());
        int clusters = IntentStreamOptions.modelConfig(withBroker(options, "localhost:1")).clusters();

        TemporaryDirectory runDirectory = resources.register(TemporaryDirectory.create("intent-stream-demo-"));
        listener.onStep("Starting an embedded Kafka broker");
        EmbeddedKafkaBroker broker = resources.register(EmbeddedKafkaBroker.start());
        double brokerStartSeconds = broker.startTime().toNanos() / 1e9;
        listener.onStep(String.format("Kafka broker on %s, started in %.1f s", broker.bootstrapServers(),
                brokerStartSeconds));
        options = withBroker(options, broker.bootstrapServers());

        String inputTopic = options.get(IntentStreamOptions.INPUT_TOPIC);
        OutputTopicReader.Topics outputs = new OutputTopicReader.Topics(
                options.get(IntentStreamOptions.INTENTS_TOPIC),
                options.get(IntentStreamOptions.RECOMMENDATIONS_TOPIC),
                options.get(IntentStreamOptions.DEAD_LETTER_TOPIC));
        broker.createTopics(List.of(inputTopic, outputs.intents(), outputs.recommendations(), outputs.deadLetters()),
                settings.partitions());

        InputTopicWriter.WrittenInput written = InputTopicWriter.write(
                broker.bootstrapServers(), inputTopic, events.events(), settings.malformed());
        listener.onStep(String.format("Wrote %d interactions (%d users) and %d malformed records to '%s'",
                written.validEvents(), events.users(), written.malformed().size(), inputTopic));

        OutputTally tally = new OutputTally();
        OutputTopicReader reader = resources.register(OutputTopicReader.start(broker.bootstrapServers(), outputs, tally));

        Configuration flink = IntentStreamJob.localClusterConfiguration(
                options, runDirectory.path().resolve("checkpoints"));
        flink.set(CoreOptions.TMP_DIRS, runDirectory.path().resolve("tmp").toString());
        flink.set(RocksDBOptions.LOCAL_DIRECTORIES, runDirectory.path().resolve("rocksdb").toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(flink);
        IntentStreamJob.Outputs jobOutputs = IntentStreamJob.fromConfiguration(options).build(env);
        // Always in the job, also without failures to inject: it also counts the restarts the job goes through.
        FailureInjector.Plan failurePlan = new FailureInjector.Plan("demo-" + UUID.randomUUID(),
                settings.injectFailures(), Math.max(1, events.events().size() / (settings.injectFailures() + 2)), 0);
        jobOutputs.intents()
                .map(new FailureInjector<>(failurePlan), new AvroTypeInfo<>(IntentAssignment.class))
                .uid("demo-failure-injector").name("Failure injector").setParallelism(1)
                .sinkTo(new DiscardingSink<>()).uid("demo-failure-injector-sink").name("Discard").setParallelism(1);
        listener.onStep(String.format("Running the job on a local Flink MiniCluster (k=%d, checkpoints every %s)",
                clusters, options.get(IntentStreamOptions.CHECKPOINT_INTERVAL).toMillis() + " ms"));
        long jobStarted = System.nanoTime();
        JobClient jobClient = resources.submit(env, IntentStreamJob.JOB_NAME);

        JobExecutionResult result = awaitJob(jobClient, tally, written.validEvents(), jobStarted);
        reader.rethrowFailure();
        if (!reader.awaitCaughtUp(CATCH_UP_TIMEOUT)) {
            throw new IllegalStateException("The output topics could not be read to their end within "
                    + CATCH_UP_TIMEOUT.toSeconds() + " s after the job finished");
        }
        double wallSeconds = (System.nanoTime() - jobStarted) / 1e9;
        FailureInjector.Progress failures = FailureInjector.progress(failurePlan.id());
        FailureInjector.forget(failurePlan.id());
        List<String> validEventIds = events.events().stream().map(InteractionEvent::eventId).toList();
        Long trainSteps = result.getAccumulatorResult(IntentTrainingOperator.TRAIN_STEPS_ACCUMULATOR);
        Double loss = result.getAccumulatorResult(IntentTrainingOperator.LOSS_ACCUMULATOR);
        listener.onProgress(progress(tally, written.validEvents(), jobStarted, trainSteps, loss));

        Double intentNmi = null;
        Double randomNmi = null;
        Integer plantedIntents = null;
        if (events.plantedIntents() != null) {
            Map<String, Integer> assigned = tally.lastClusterByUser();
            if (!assigned.isEmpty()) {
                intentNmi = NormalizedMutualInformation.overCommonKeys(events.plantedIntents(), assigned);
                randomNmi = NormalizedMutualInformation.overCommonKeys(
                        events.plantedIntents(), randomAssignment(assigned.keySet(), clusters, settings.seed()));
            }
            plantedIntents = ((Synthetic) settings.input()).parameters().intents();
        }
        return new DemoSummary(
                events.description(),
                written.validEvents(),
                written.malformed().size(),
                tally.intents(),
                tally.recommendations(),
                tally.deadLetters(),
                tally.deadLettersByReason(),
                reader.undecodable(),
                tally.lastClusterByUser().size(),
                usersPerCluster(tally.lastClusterByUser()),
                trainSteps,
                loss == null || loss.isNaN() ? null : loss,
                tally.maxModelVersion(),
                clusters,
                brokerStartSeconds,
                wallSeconds,
                written.validEvents() / wallSeconds,
                (System.nanoTime() - runStarted) / 1e9,
                plantedIntents,
                intentNmi,
                randomNmi,
                failures.injected().size(),
                failures.restarts(),
                tally.missing(validEventIds),
                tally.duplicated());
    }

    private record InputEvents(List<InteractionEvent> events, Map<String, Integer> plantedIntents,
            String description, long users) {
        int distinctItems() {
            return (int) events.stream().map(InteractionEvent::itemId).distinct().count();
        }
    }

    private InputEvents loadInput() {
        if (settings.input() instanceof Synthetic synthetic) {
            PlantedIntentStream stream = PlantedIntentStream.generate(synthetic.parameters());
            long users = stream.events().stream().map(InteractionEvent::userId).distinct().count();
            return new InputEvents(stream.events(), stream.plantedIntents(), "planted-intents", users);
        }
        Replay replay = (Replay) settings.input();
        List<InteractionEvent> events =
                BenchmarkInterleaving.read(replay.file(), replay.maxEvents(), replay.activeUsers());
        long users = events.stream().map(InteractionEvent::userId).distinct().count();
        return new InputEvents(events, null, replay.file().toString(), users);
    }

    /**
     * The user's job options with the demo's defaults where the user set nothing, and the settings the demo
     * cannot work without (its own broker, a bounded read from the start). Defaults: checkpoints every
     * {@link #DEMO_CHECKPOINT_INTERVAL}, so that committed output shows up while the job runs; k = the planted
     * intents for synthetic input; an item table sized to the input (the next power of two above its distinct
     * items, at least {@link #MIN_ITEM_CAPACITY}) instead of the production default, whose parameters and Adam
     * moments would be checkpointed every interval; at most {@link #DEMO_RESTART_ATTEMPTS} restarts.
     */
    static Configuration demoOptions(Configuration user, Input input, int distinctItems) {
        return demoOptions(user, input, distinctItems, 0);
    }

    /** {@link #demoOptions(Configuration, Input, int)}, allowing the restarts of {@code injectFailures} too. */
    static Configuration demoOptions(Configuration user, Input input, int distinctItems, int injectFailures) {
        if (user.containsKey(IntentStreamOptions.BOOTSTRAP_SERVERS.key())) {
            throw new IllegalArgumentException("The demo runs its own embedded Kafka broker; do not set --"
                    + IntentStreamOptions.BOOTSTRAP_SERVERS.key());
        }
        Configuration options = new Configuration(user);
        if (!user.containsKey(IntentStreamOptions.CHECKPOINT_INTERVAL.key())) {
            options.set(IntentStreamOptions.CHECKPOINT_INTERVAL, DEMO_CHECKPOINT_INTERVAL);
        }
        if (input instanceof Synthetic synthetic && !user.containsKey(IntentStreamOptions.CLUSTERS.key())
                && synthetic.parameters().intents() >= 2) {
            options.set(IntentStreamOptions.CLUSTERS, synthetic.parameters().intents());
        }
        if (input instanceof Synthetic synthetic) {
            applyPlantedIntentModelDefaults(user, options, synthetic.parameters());
        }
        if (!user.containsKey(RestartStrategyOptions.RESTART_STRATEGY.key())) {
            // Flink's default with checkpointing retries forever; a demo whose job keeps failing should end
            // with the job's error instead.
            options.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            options.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS,
                    DEMO_RESTART_ATTEMPTS + injectFailures);
            options.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        }
        if (!user.containsKey(IntentStreamOptions.ITEM_CAPACITY.key())) {
            options.set(IntentStreamOptions.ITEM_CAPACITY, itemCapacityFor(distinctItems));
        }
        options.set(IntentStreamOptions.BOUNDED, true);
        options.set(IntentStreamOptions.STARTING_OFFSETS, StartingOffsets.EARLIEST);
        if (!user.containsKey(IntentStreamOptions.TRANSACTIONAL_ID_PREFIX.key())) {
            options.set(IntentStreamOptions.TRANSACTIONAL_ID_PREFIX, "intent-stream-demo-" + UUID.randomUUID());
        }
        return options;
    }

    /**
     * Model settings for the planted-intent stream where the user set none. The job's defaults are the
     * reference's (beauty preset: sequence contrast 0.1, alpha 10; centres from the first 1024 windows), which
     * need the reference's tens of thousands of steps; the demo gets about one step per 256 events. Measured with
     * a harness that drives the model directly on this stream (20,000 events, 1,000 users, 8 intents of 50
     * items, batch 256, 79 steps; NMI of planted intent vs nearest centre of each user's last window; a k-means
     * on the same embeddings shows what the representation allows):
     * <ul>
     *   <li>job defaults: NMI 0.000, all 1,000 users on one centre, although k-means on the embeddings reaches
     *       0.83: the centres are the problem, not the representation;</li>
     *   <li>re-running k-means at steps 20/40/60: 0.09/0.38/0.55 right after, one centre again 6-10 steps later;
     *       without the contrasts and the cluster loss the re-clustered assignment stays (0.76 at step 60, 0.89
     *       at 79): the training terms pull every user onto one centre;</li>
     *   <li>one term at a time, centres re-clustered at step 60: sequence contrast alone collapses again to one
     *       centre by step 76; intent contrast alone keeps and sharpens it (0.84 to 0.94);</li>
     *   <li>no sequence contrast: alpha 10 gives 0.03 (the cluster loss pulls every embedding toward the mean
     *       centre), alpha 0.1 0.57, alpha 0 0.49 with the 1024-window warm-up (centres fitted to the untrained
     *       encoder), 0.53 with 4096, 0.79 with 8192 and 0.85 with 10,000 windows (half the stream: centres
     *       fitted after about 40 steps, sizes 120 to 190 but for one centre of 2);</li>
     *   <li>pooling over the items only instead of all T positions (a patched model): worse, k-means on the
     *       embeddings 0.02 with the job defaults;</li>
     *   <li>6,000 events, 300 users, 4 intents of 30 (the demo ITCase), no sequence contrast, alpha 0, 24 steps,
     *       model seeds 1-4: warm-up 3,000 windows 0.36/0.82/0.53/0.80, 4,000 windows 0.75/0.82/0.63/0.78 (job
     *       defaults there: 0.11, 252 of 300 users on one centre). The representation separates the intents either
     *       way (k-means on the final embeddings 0.79 to 1.00); the low runs are centres fitted too early, two
     *       intents on one centre, which the intent contrast does not undo. Spherical k-means (unit embeddings)
     *       for the fit did not help (0.45/0.55/0.37 with 3,000);</li>
     *   <li>20,000 events with a 13,333-window warm-up (two thirds): 0.85, as with 10,000.</li>
     *   <li>with the dataset presets' cross-entropy (2026-11-27, 20,000 events): the presets' cosine intent contrast
     *       at temperature 0.2 gives 0.80, the reference's dot product at 1.0 gives 0.94 (0.95 with BCE before).
     *       On Beauty the bounded contrast is what lets the next item learn; here, with the sequence contrast off,
     *       only the intent contrast remains, and its raw dot product separates the planted intents better.</li>
     * </ul>
     * Hence: no sequence contrast, no cluster loss (the centres learn from the intent contrast), the intent
     * contrast on raw dot products at temperature 1, and centres fitted to the embeddings of the first two thirds of
     * the stream.
     */
    static void applyPlantedIntentModelDefaults(Configuration user, Configuration options,
            PlantedIntentStream.Parameters stream) {
        if (!user.containsKey(IntentStreamOptions.SEQUENCE_CONTRAST_WEIGHT.key())) {
            options.set(IntentStreamOptions.SEQUENCE_CONTRAST_WEIGHT, 0f);
        }
        if (!user.containsKey(IntentStreamOptions.CLUSTER_LOSS_WEIGHT.key())) {
            options.set(IntentStreamOptions.CLUSTER_LOSS_WEIGHT, 0f);
        }
        if (!user.containsKey(IntentStreamOptions.CONTRAST_SIMILARITY.key())) {
            options.set(IntentStreamOptions.CONTRAST_SIMILARITY, ContrastSimilarity.DOT);
        }
        if (!user.containsKey(IntentStreamOptions.CONTRAST_TEMPERATURE.key())) {
            options.set(IntentStreamOptions.CONTRAST_TEMPERATURE, 1.0f);
        }
        if (!user.containsKey(IntentStreamOptions.CENTRE_WARM_UP.key())) {
            int clusters = options.getOptional(IntentStreamOptions.CLUSTERS)
                    .orElse(ElcRecConfig.preset(options.get(IntentStreamOptions.PRESET), 1).clusters());
            options.set(IntentStreamOptions.CENTRE_WARM_UP, Math.max(clusters, stream.events() * 2 / 3));
        }
    }

    static int itemCapacityFor(int distinctItems) {
        int capacity = MIN_ITEM_CAPACITY;
        while (capacity < distinctItems && capacity < (1 << 30)) {
            capacity <<= 1;
        }
        return capacity;
    }

    private static Configuration withBroker(Configuration options, String bootstrapServers) {
        Configuration copy = new Configuration(options);
        copy.set(IntentStreamOptions.BOOTSTRAP_SERVERS, bootstrapServers);
        return IntentStreamOptions.validate(copy);
    }

    static Map<Integer, Long> usersPerCluster(Map<String, Integer> lastClusterByUser) {
        return new java.util.TreeMap<>(lastClusterByUser.values().stream()
                .collect(java.util.stream.Collectors.groupingBy(c -> c, java.util.stream.Collectors.counting())));
    }

    /** A uniformly random cluster in [0, k) per user, seeded, assigned in user-id order so it is reproducible. */
    static Map<String, Integer> randomAssignment(java.util.Set<String> users, int clusters, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Integer> assignment = new java.util.TreeMap<>();
        users.stream().sorted().forEach(user -> assignment.put(user, random.nextInt(clusters)));
        return assignment;
    }

    private JobExecutionResult awaitJob(JobClient client, OutputTally tally, long eventsIn, long jobStarted)
            throws Exception {
        CompletableFuture<JobExecutionResult> result = client.getJobExecutionResult();
        long deadline = jobStarted + settings.timeout().toNanos();
        Long trainSteps = null;
        Double loss = null;
        while (true) {
            try {
                return result.get(PROGRESS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("The job did not finish within " + settings.timeout());
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("The job failed: " + RunResources.rootMessage(e), e.getCause());
            }
            try {
                Map<String, Object> accumulators = client.getAccumulators().get(2, TimeUnit.SECONDS);
                if (accumulators.get(IntentTrainingOperator.TRAIN_STEPS_ACCUMULATOR) instanceof Long steps) {
                    trainSteps = steps;
                }
                if (accumulators.get(IntentTrainingOperator.LOSS_ACCUMULATOR) instanceof Double latest
                        && !latest.isNaN()) {
                    loss = latest;
                }
            } catch (ExecutionException | TimeoutException | IllegalStateException e) {
                // Accumulators are unavailable while the job is being scheduled or finishing (or the cluster
                // is going down after a stop); the output counts below are still current.
                LOG.debug("Accumulators not available", e);
            }
            listener.onProgress(progress(tally, eventsIn, jobStarted, trainSteps, loss));
        }
    }

    private static Progress progress(OutputTally tally, long eventsIn, long jobStarted, Long trainSteps, Double loss) {
        return new Progress((System.nanoTime() - jobStarted) / 1e9, eventsIn, tally.intents(),
                tally.recommendations(), tally.deadLetters(), trainSteps, loss, tally.maxModelVersion());
    }

    /**
     * Cancels the job if it still runs, then stops the reader and the broker and deletes the temporary
     * directories, newest resource first. Safe to call more than once and from another thread.
     */
    @Override
    public void close() {
        resources.close();
    }
}
