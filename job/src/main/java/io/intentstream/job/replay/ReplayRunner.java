package io.intentstream.job.replay;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Interaction;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.IntentStreamJob;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.config.ScoringMode;
import io.intentstream.job.demo.DemoRunner;
import io.intentstream.job.demo.OutputTally;
import io.intentstream.job.demo.OutputTopicReader;
import io.intentstream.job.embedded.EmbeddedKafkaBroker;
import io.intentstream.job.embedded.RunResources;
import io.intentstream.job.embedded.TemporaryDirectory;
import io.intentstream.job.sink.KafkaSinks;
import io.intentstream.job.training.IntentTrainingOperator;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.ElcRecModel;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.export.BenchmarkItems;
import io.intentstream.model.export.ModelExport;
import io.intentstream.model.offline.BenchmarkDataset;
import io.intentstream.model.offline.OfflineEvaluation;
import io.intentstream.model.offline.RankingMetrics;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.apache.avro.file.DataFileReader;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import io.intentstream.job.source.InteractionRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Replays a file through the intent-stream job, once or for several epochs, on a local Flink MiniCluster with the
 * outputs going to Kafka: an embedded broker by default, or the cluster given.
 *
 * <p>Epochs are consecutive bounded runs of the same job over the same file. The model carries over (each run
 * exports its final snapshot and the next one starts from it, {@link ModelExchange}); the per-user histories do
 * not, since every epoch replays every user from their first item. Only the final epoch's outputs are written to
 * the output topics, unless all are asked for; the other epochs train without scoring at all
 * ({@link IntentStreamJob#trainOnly}: no top-N over the items, no prequential ranking), so they cost the training
 * steps alone and leave exactly the model a scoring epoch would.
 *
 * <p>A benchmark file is replayed in the layout of offline training: one embedding row per benchmark item, row n
 * for {@code item-n} ({@link BenchmarkItems}), the centres set by k-means on every training sequence before the
 * first step (what {@code train} does; a stream without that warm start uses its first sequences), and with the
 * holdout, each user's last two items left out. The final model is then scored on the test split exactly as
 * {@code evaluate} would, so the numbers compare with {@code train}'s.
 */
public final class ReplayRunner implements AutoCloseable {

    private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    /**
     * @param data a benchmark sequence file, or an Avro container file of Interactions ({@code .avro})
     * @param epochs replays of the input, at least 1
     * @param holdout leave each user's last two items out (benchmark files only); null: when {@code epochs > 1}
     * @param emitAllEpochs write every epoch's outputs, not only the final one's
     * @param export where to leave the final model as a versioned snapshot (a local directory or a Flink file
     *     system URI such as {@code s3://bucket/models}), or null
     * @param exportRetention snapshots kept in {@code export}
     * @param initModel a snapshot to start from (a local path or a Flink file system URI), or null
     * @param bootstrapServers an existing Kafka cluster for the outputs, or null for an embedded broker
     * @param jobOptions {@link IntentStreamOptions} given by the user
     * @param timeout the longest one epoch may run
     * @param kafkaFrom instead of a file: replay the interactions topic of {@code bootstrapServers} from here
     * @param kafkaTo with {@code kafkaFrom}: up to here (null: the end of the topic when the replay starts)
     * @param thenLive after the file or range, go on with the live interactions topic in the same job, or null
     */
    public record Settings(Path data, int epochs, Boolean holdout, boolean emitAllEpochs, String export,
            int exportRetention, String initModel, String bootstrapServers, Configuration jobOptions, Duration timeout,
            int activeUsers, KafkaPosition kafkaFrom, KafkaPosition kafkaTo, ThenLive thenLive) {
        public Settings {
            if (thenLive != null && epochs != 1) {
                throw new IllegalArgumentException("--then-live goes on from one replay of the input; "
                        + "--epochs must be 1, got " + epochs);
            }
            if (thenLive != null && thenLive.from() != null && kafkaFrom != null) {
                throw new IllegalArgumentException("after a Kafka range the live part starts where the range "
                        + "stops (no gap, no duplicate); --live-from is for file replays");
            }
            if ((data == null) == (kafkaFrom == null)) {
                throw new IllegalArgumentException("replay a file (--data) or a range of the interactions topic "
                        + "(--kafka-from), one of them");
            }
            if (kafkaFrom != null && bootstrapServers == null) {
                throw new IllegalArgumentException("a Kafka replay reads the topic of --bootstrap-servers");
            }
            if (kafkaTo != null && kafkaFrom == null) {
                throw new IllegalArgumentException("--kafka-to needs --kafka-from");
            }
            if (kafkaFrom != null && Boolean.TRUE.equals(holdout)) {
                throw new IllegalArgumentException("the holdout needs per-user sequences (a benchmark file)");
            }
            Objects.requireNonNull(jobOptions, "jobOptions");
            Objects.requireNonNull(timeout, "timeout");
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
            }
            if (exportRetention < 1) {
                throw new IllegalArgumentException("export retention must be at least 1, got " + exportRetention);
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            if (activeUsers < 1) {
                throw new IllegalArgumentException("activeUsers must be at least 1, got " + activeUsers);
            }
            if (Boolean.TRUE.equals(holdout) && data != null && ReplaySources.isAvroFile(data)) {
                throw new IllegalArgumentException("the holdout needs per-user sequences (a benchmark file); "
                        + data + " is an Avro file");
            }
        }

        /** File replays only: Kafka and Avro inputs are single interactions, not per-user sequences. */
        boolean holdoutApplies() {
            return data != null && !ReplaySources.isAvroFile(data) && (holdout != null ? holdout : epochs > 1);
        }

        /** With the range given in the constructor's convenience form: a file replay. */
        public Settings(Path data, int epochs, Boolean holdout, boolean emitAllEpochs, String export,
                int exportRetention, String initModel, String bootstrapServers, Configuration jobOptions,
                Duration timeout, int activeUsers) {
            this(data, epochs, holdout, emitAllEpochs, export, exportRetention, initModel, bootstrapServers,
                    jobOptions, timeout, activeUsers, null, null, null);
        }
    }

    /**
     * Backfill then live: once the file (or the Kafka range) is replayed, the same job reads the live interactions
     * topic (one {@link org.apache.flink.connector.base.source.hybrid.HybridSource}), its model and per-user state
     * carried over.
     *
     * @param from where the live part starts reading, fixed as explicit offsets when the replay starts; null: the
     *     end of the topic at that moment after a file (events written during the backfill are read after it), and
     *     exactly the range's stop after a Kafka range
     * @param runFor how long to stay live before stopping with a drained savepoint (every output committed); counted
     *     from when every backfilled event has been answered (file replays) or from the job's start (Kafka ranges);
     *     null: until the run is stopped (Ctrl-C), which keeps what was committed at the last checkpoint
     */
    public record ThenLive(KafkaPosition from, Duration runFor) {
        public ThenLive {
            if (from instanceof KafkaPosition.Latest) {
                from = null; // the same thing, resolved once
            }
            if (runFor != null && (runFor.isNegative() || runFor.isZero())) {
                throw new IllegalArgumentException("--live-for must be positive, got " + runFor);
            }
        }
    }

    private final Settings settings;
    private final Consumer<String> progress;
    private final RunResources resources = new RunResources("replay");

    /** @param progress receives one line per step of the run */
    public ReplayRunner(Settings settings, Consumer<String> progress) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    public ReplaySummary run() throws Exception {
        long runStarted = System.nanoTime();
        boolean holdout = settings.holdoutApplies();
        Input input = readInput(holdout);
        Configuration options = replayOptions(settings.jobOptions(), input);

        TemporaryDirectory runDirectory = resources.register(TemporaryDirectory.create("intent-stream-replay-"));
        String bootstrap = settings.bootstrapServers();
        if (bootstrap == null) {
            progress.accept("Starting an embedded Kafka broker");
            EmbeddedKafkaBroker broker = resources.register(EmbeddedKafkaBroker.start());
            bootstrap = broker.bootstrapServers();
        }
        options.set(IntentStreamOptions.BOOTSTRAP_SERVERS, bootstrap);
        IntentStreamOptions.validate(options);
        OutputTopicReader.Topics topics = new OutputTopicReader.Topics(
                options.get(IntentStreamOptions.INTENTS_TOPIC),
                options.get(IntentStreamOptions.RECOMMENDATIONS_TOPIC),
                options.get(IntentStreamOptions.DEAD_LETTER_TOPIC));
        String inputTopic = options.get(IntentStreamOptions.INPUT_TOPIC);
        List<String> needed =
                new ArrayList<>(List.of(topics.intents(), topics.recommendations(), topics.deadLetters()));
        if (settings.thenLive() != null) {
            needed.add(inputTopic);
        }
        createMissingTopics(bootstrap, needed);
        // On a shared cluster the topics may hold earlier runs' records: count only what lies beyond their end now.
        Map<TopicPartition, Long> startOffsets = endOffsets(bootstrap, topics);
        OutputTally tally = new OutputTally();
        OutputTopicReader reader = resources.register(OutputTopicReader.start(bootstrap, topics,
                new FromOffsets(startOffsets, tally)));

        KafkaPosition.AtOffsets[] range = settings.kafkaFrom() == null ? null : resolveRange(bootstrap, options);
        String description = range == null ? settings.data().toString()
                : "kafka:" + inputTopic + " offsets " + range[0].offsets() + " to " + range[1].offsets();
        KafkaPosition.AtOffsets liveStart = null;
        if (settings.thenLive() != null) {
            liveStart = range != null ? range[1] : new KafkaPosition.AtOffsets(resolve(bootstrap, inputTopic,
                    settings.thenLive().from() == null ? new KafkaPosition.Latest() : settings.thenLive().from(),
                    true));
            description += ", then live kafka:" + inputTopic + " from offsets " + liveStart.offsets();
            progress.accept("Then live: the interactions topic '" + inputTopic + "' on " + bootstrap
                    + " from offsets " + liveStart.offsets() + (settings.thenLive().runFor() == null
                            ? ", until stopped (Ctrl-C)" : ", for " + settings.thenLive().runFor()));
        }
        String initial = initialModel(input, options, runDirectory.path().resolve("initial"));
        long trainSteps = 0;
        Double loss = null;
        List<Double> epochSeconds = new ArrayList<>();
        List<Long> epochEventsAnswered = new ArrayList<>();
        long jobsStarted = System.nanoTime();
        String previous = initial;
        for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
            boolean emit = epoch == settings.epochs() || settings.emitAllEpochs();
            Path exportDirectory = runDirectory.path().resolve("epoch-" + epoch);
            Configuration epochOptions = new Configuration(options);
            if (previous != null) {
                epochOptions.set(IntentStreamOptions.MODEL_INIT_PATH, previous);
            }
            epochOptions.set(IntentStreamOptions.EXPORT_DIRECTORY, exportDirectory.toString());
            epochOptions.removeConfig(IntentStreamOptions.EXPORT_INTERVAL);
            epochOptions.set(IntentStreamOptions.EXPORT_RETENTION, 1);
            progress.accept(String.format("Epoch %d of %d: replaying %s%s", epoch, settings.epochs(), description,
                    emit ? "" : " (outputs not written)"));
            long started = System.nanoTime();
            JobExecutionResult result = runEpoch(epochOptions, runDirectory.path().resolve("flink-" + epoch), emit,
                    range, liveStart, input.events(), tally);
            double seconds = (System.nanoTime() - started) / 1e9;
            epochSeconds.add(seconds);
            Long steps = result.getAccumulatorResult(IntentTrainingOperator.TRAIN_STEPS_ACCUMULATOR);
            Double lastLoss = result.getAccumulatorResult(IntentTrainingOperator.LOSS_ACCUMULATOR);
            Long answered = result.getAccumulatorResult(IntentTrainingOperator.EVENTS_OUT_ACCUMULATOR);
            epochEventsAnswered.add(answered == null ? 0 : answered);
            trainSteps += steps == null ? 0 : steps;
            if (lastLoss != null && !lastLoss.isNaN()) {
                loss = lastLoss;
            }
            progress.accept(String.format("Epoch %d done in %.1f s: %d train steps, loss %s, %d events answered",
                    epoch, seconds, steps == null ? 0 : steps, lastLoss, answered == null ? 0 : answered));
            previous = exportDirectory.toString();
        }
        double jobSeconds = (System.nanoTime() - jobsStarted) / 1e9;

        reader.rethrowFailure();
        if (!reader.awaitCaughtUp(CATCH_UP_TIMEOUT)) {
            throw new IllegalStateException("The output topics could not be read to their end within "
                    + CATCH_UP_TIMEOUT.toSeconds() + " s after the replay finished");
        }
        double wallSeconds = (System.nanoTime() - jobsStarted) / 1e9;

        ModelSnapshot model = ModelExport.load(Path.of(previous)).snapshot(); // the last epoch's local export
        OfflineEvaluation.Report evaluation = null;
        if (holdout && input.dataset() != null && BenchmarkItems.rowsAreItemIds(model)
                && model.config().itemCount() == input.dataset().itemCount()) {
            progress.accept("Scoring the final model on the test split");
            evaluation = OfflineEvaluation.evaluate(model, input.dataset());
        }
        String exportedTo = null;
        if (settings.export() != null) {
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("epochs", (double) settings.epochs());
            metrics.put("events_per_epoch", (double) input.events());
            metrics.put("train_steps", (double) trainSteps);
            if (loss != null) {
                metrics.put("loss", loss);
            }
            if (evaluation != null) {
                putMetrics(metrics, "test", evaluation.test().reference());
                putMetrics(metrics, "valid", evaluation.valid().reference());
            }
            URI written = new FileSystemModelExport(settings.export(), settings.exportRetention())
                    .write(model, "replay", metrics);
            exportedTo = "file".equals(written.getScheme()) ? Path.of(written).toString() : written.toString();
            progress.accept("Exported the model to " + exportedTo);
        }
        // A Kafka range's size is known once read: what the emitting epochs answered or rejected, per epoch.
        long answered = tally.intents() + tally.deadLetters();
        long eventsIn = settings.thenLive() != null ? answered : input.events() >= 0 ? input.events()
                : answered / (settings.emitAllEpochs() ? settings.epochs() : 1);
        Long liveEvents = settings.thenLive() != null && input.events() >= 0 ? answered - input.events() : null;
        long epochEvents = eventsIn * settings.epochs();
        return new ReplaySummary(
                description,
                settings.epochs(),
                holdout,
                eventsIn,
                tally.intents(),
                tally.recommendations(),
                tally.deadLetters(),
                reader.undecodable(),
                trainSteps,
                loss,
                epochEvents / jobSeconds,
                epochSeconds,
                epochEventsAnswered,
                model.version(),
                Long.toHexString(model.checksum()),
                exportedTo,
                evaluation,
                wallSeconds,
                (System.nanoTime() - runStarted) / 1e9,
                liveEvents);
    }

    private static void putMetrics(Map<String, Double> metrics, String split, RankingMetrics m) {
        metrics.put(split + "_hr5", m.hr5());
        metrics.put(split + "_hr20", m.hr20());
        metrics.put(split + "_ndcg5", m.ndcg5());
        metrics.put(split + "_ndcg20", m.ndcg20());
    }

    /** The input as read up front: a benchmark's dataset (null for Avro), and the events one epoch replays. */
    private record Input(BenchmarkDataset dataset, long events, int distinctItems) {}

    private Input readInput(boolean holdout) throws IOException {
        Path file = settings.data();
        if (file == null) {
            return new Input(null, -1, 0);
        }
        if (ReplaySources.isAvroFile(file)) {
            long events = 0;
            Set<String> items = new HashSet<>();
            try (DataFileReader<Interaction> records =
                    new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(Interaction.class))) {
                for (Interaction interaction : records) {
                    events++;
                    items.add(String.valueOf(interaction.getItemId()));
                }
            }
            return new Input(null, events, items.size());
        }
        BenchmarkDataset dataset = BenchmarkDataset.read(file);
        int held = holdout ? ReplaySources.LEAVE_ONE_OUT_HOLDOUT : 0;
        long events = 0;
        for (int u = 0; u < dataset.userCount(); u++) {
            events += Math.max(0, dataset.items(u).length - held);
        }
        return new Input(dataset, events, dataset.itemCount());
    }

    /**
     * The user's options with the replay's settings: as the demo (checkpoints every
     * {@link DemoRunner#DEMO_CHECKPOINT_INTERVAL}, a bounded number of restarts, a fresh transactional id prefix)
     * unless the user set them, and an item table of exactly the benchmark's items (row n = item n), or sized to
     * an Avro file's distinct items.
     */
    /**
     * A replay is a backfill: its answers and its model must follow from the input alone, and separate scoring
     * answers by timing and may leave events the trainer cannot keep up with out of training.
     */
    static void requireInlineScoring(Configuration user) {
        if (user.getOptional(IntentStreamOptions.SCORING_MODE).orElse(ScoringMode.INLINE) != ScoringMode.INLINE) {
            throw new IllegalArgumentException("replay runs with --" + IntentStreamOptions.SCORING_MODE.key()
                    + " INLINE only: separate scoring answers depend on timing and may skip training");
        }
    }

    static Configuration replayOptions(Configuration user, Input input) {
        if (user.containsKey(IntentStreamOptions.BOOTSTRAP_SERVERS.key())) {
            throw new IllegalArgumentException("Give the Kafka cluster with --bootstrap-servers, not --"
                    + IntentStreamOptions.BOOTSTRAP_SERVERS.key());
        }
        requireInlineScoring(user);
        for (var option : List.of(IntentStreamOptions.MODEL_INIT_PATH, IntentStreamOptions.EXPORT_DIRECTORY)) {
            if (user.containsKey(option.key())) {
                throw new IllegalArgumentException("replay sets --" + option.key()
                        + " itself; use --init-model and --export");
            }
        }
        Configuration options = new Configuration(user);
        if (!user.containsKey(IntentStreamOptions.CHECKPOINT_INTERVAL.key())) {
            options.set(IntentStreamOptions.CHECKPOINT_INTERVAL, DemoRunner.DEMO_CHECKPOINT_INTERVAL);
        }
        if (!user.containsKey(RestartStrategyOptions.RESTART_STRATEGY.key())) {
            options.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            options.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, DemoRunner.DEMO_RESTART_ATTEMPTS);
            options.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        }
        if (!user.containsKey(IntentStreamOptions.TRANSACTIONAL_ID_PREFIX.key())) {
            options.set(IntentStreamOptions.TRANSACTIONAL_ID_PREFIX, "intent-stream-replay-" + UUID.randomUUID());
        }
        if (!user.containsKey(IntentStreamOptions.CONSUMER_GROUP.key())) {
            // A Kafka replay commits its offsets on checkpoints; never into the live job's group.
            options.set(IntentStreamOptions.CONSUMER_GROUP, "intent-stream-replay-" + UUID.randomUUID());
        }
        if (input.dataset() != null) {
            if (user.containsKey(IntentStreamOptions.ITEM_CAPACITY.key())
                    && user.get(IntentStreamOptions.ITEM_CAPACITY) != input.dataset().itemCount()) {
                throw new IllegalArgumentException("A benchmark replay has one row per item: --"
                        + IntentStreamOptions.ITEM_CAPACITY.key() + " must be " + input.dataset().itemCount()
                        + " or unset");
            }
            options.set(IntentStreamOptions.ITEM_CAPACITY, input.dataset().itemCount());
        } else if (input.distinctItems() > 0 && !user.containsKey(IntentStreamOptions.ITEM_CAPACITY.key())) {
            int capacity = DemoRunner.MIN_ITEM_CAPACITY;
            while (capacity < input.distinctItems() && capacity < (1 << 30)) {
                capacity <<= 1;
            }
            options.set(IntentStreamOptions.ITEM_CAPACITY, capacity);
        }
        return options;
    }

    /**
     * The snapshot the first epoch starts from: the user's ({@code --init-model}), or for a benchmark the offline
     * layout (identity item rows, centres by k-means on all training sequences); null lets the job start its own
     * model (Avro input).
     */
    private String initialModel(Input input, Configuration options, Path directory) {
        if (settings.initModel() != null) {
            ModelSnapshot snapshot = new InitialModel(settings.initModel()).load(); // fails here, not in the job
            progress.accept(String.format("Starting from model version %d of %s", snapshot.version(),
                    settings.initModel()));
            return new InitialModel(settings.initModel()).location().toString();
        }
        if (input.dataset() == null) {
            return null;
        }
        ElcRecConfig config = IntentStreamOptions.modelConfig(options);
        try (ElcRecModel model = ElcRecModel.create(config)) {
            if (config.contrastEnabled() || config.clusterLossEnabled()) {
                long started = System.nanoTime();
                model.initialiseCentres(input.dataset().trainingInputs(config.maxSequenceLength()));
                progress.accept(String.format("Centres initialised by k-means on %d training sequences in %.1f s",
                        input.dataset().trainingUserCount(), (System.nanoTime() - started) / 1e9));
            }
            ModelSnapshot snapshot = model.snapshot()
                    .withItemIndex(BenchmarkItems.identityIndex(config.itemCount()).toBytes());
            return new ModelExport(directory, 1).write(snapshot, "replay", Map.of()).toString();
        }
    }

    private JobExecutionResult runEpoch(Configuration options, Path flinkDirectory, boolean emit,
            KafkaPosition.AtOffsets[] range, KafkaPosition.AtOffsets liveStart, long backfillEvents, OutputTally tally)
            throws Exception {
        Configuration flink = IntentStreamJob.localClusterConfiguration(options, flinkDirectory.resolve("checkpoints"));
        flink.set(CoreOptions.TMP_DIRS, flinkDirectory.resolve("tmp").toString());
        flink.set(RocksDBOptions.LOCAL_DIRECTORIES, flinkDirectory.resolve("rocksdb").toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(flink);
        int heldOut = settings.holdoutApplies() ? ReplaySources.LEAVE_ONE_OUT_HOLDOUT : 0;
        Sink<IntentAssignment> intents = emit ? KafkaSinks.intents(options) : new DiscardingSink<>();
        Sink<Recommendation> recommendations = emit ? KafkaSinks.recommendations(options) : new DiscardingSink<>();
        Sink<DeadLetter> deadLetters = emit ? KafkaSinks.deadLetters(options) : new DiscardingSink<>();
        Source<InteractionRecord, ?, ?> source = range == null
                ? ReplaySources.file(settings.data(), settings.activeUsers(), heldOut)
                : ReplaySources.kafkaRange(options, range[0], range[1]);
        if (liveStart != null) {
            source = ReplaySources.backfillThenLive(source, ReplaySources.kafkaLive(options, liveStart));
        }
        IntentStreamJob job = new IntentStreamJob(options, source, intents, recommendations, deadLetters);
        if (!emit) {
            job.trainOnly(); // nobody reads this epoch's answers: skip scoring them, train the same
        }
        job.build(env);
        JobClient jobClient = resources.submit(env, IntentStreamJob.JOB_NAME + "-replay");
        try {
            if (liveStart != null && settings.thenLive().runFor() != null) {
                stayLiveThenStop(jobClient, flinkDirectory, backfillEvents, tally);
            }
            if (liveStart != null && settings.thenLive().runFor() == null) {
                return jobClient.getJobExecutionResult().get(); // live until the run is stopped (cancels the job)
            }
            return jobClient.getJobExecutionResult().get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            jobClient.cancel();
            throw new IllegalStateException("The replay epoch did not finish within " + settings.timeout());
        } catch (ExecutionException e) {
            throw new IllegalStateException("The replay job failed: " + RunResources.rootMessage(e), e.getCause());
        }
    }

    /**
     * Waits until the backfill has been answered (a file's events all counted on the output topics; a Kafka range
     * does not know its count, so from now), stays live for {@link ThenLive#runFor()}, then stops the job with a
     * drained savepoint: the sources end, the last batch is answered, the model exported, every output committed.
     */
    private void stayLiveThenStop(JobClient job, Path flinkDirectory, long backfillEvents, OutputTally tally)
            throws Exception {
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        if (backfillEvents >= 0) {
            while (tally.intents() + tally.deadLetters() < backfillEvents) {
                if (job.getJobExecutionResult().isDone()) {
                    return; // failed: the caller reports why
                }
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException();
                }
                Thread.sleep(100);
            }
            progress.accept(String.format("Backfill answered (%d events); live for %s", backfillEvents,
                    settings.thenLive().runFor()));
        }
        long liveUntil = System.nanoTime() + settings.thenLive().runFor().toNanos();
        while (System.nanoTime() < liveUntil) {
            if (job.getJobExecutionResult().isDone()) {
                return;
            }
            Thread.sleep(100);
        }
        progress.accept("Stopping the live job with a drained savepoint");
        SavepointStop.stop(job, true, flinkDirectory, settings.timeout());
    }

    /**
     * The range as explicit offsets, fixed when the replay starts: every epoch replays the same records, also when
     * the topic grows meanwhile ("latest" would move).
     */
    private KafkaPosition.AtOffsets[] resolveRange(String bootstrap, Configuration options) {
        String topic = options.get(IntentStreamOptions.INPUT_TOPIC);
        try (KafkaConsumer<byte[], byte[]> consumer = readCommittedConsumer(bootstrap)) {
            List<TopicPartition> partitions = partitions(consumer, topic, bootstrap);
            Map<TopicPartition, Long> earliest = consumer.beginningOffsets(partitions, ADMIN_TIMEOUT);
            Map<TopicPartition, Long> latest = consumer.endOffsets(partitions, ADMIN_TIMEOUT);
            KafkaPosition to = settings.kafkaTo() == null ? new KafkaPosition.Latest() : settings.kafkaTo();
            return new KafkaPosition.AtOffsets[] {
                new KafkaPosition.AtOffsets(offsets(consumer, settings.kafkaFrom(), true, partitions, earliest, latest)),
                new KafkaPosition.AtOffsets(offsets(consumer, to, false, partitions, earliest, latest))
            };
        }
    }

    /** One position of {@code topic} as explicit offsets per partition, now. */
    private Map<Integer, Long> resolve(String bootstrap, String topic, KafkaPosition position, boolean start) {
        try (KafkaConsumer<byte[], byte[]> consumer = readCommittedConsumer(bootstrap)) {
            List<TopicPartition> partitions = partitions(consumer, topic, bootstrap);
            return offsets(consumer, position, start, partitions, consumer.beginningOffsets(partitions, ADMIN_TIMEOUT),
                    consumer.endOffsets(partitions, ADMIN_TIMEOUT));
        }
    }

    /** For positions and offsets only: committed records, as the job's read_committed source sees them. */
    private static KafkaConsumer<byte[], byte[]> readCommittedConsumer(String bootstrap) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> consumer, String topic,
            String bootstrap) {
        List<org.apache.kafka.common.PartitionInfo> infos = consumer.partitionsFor(topic, ADMIN_TIMEOUT);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalArgumentException("The interactions topic " + topic + " does not exist on " + bootstrap);
        }
        return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    /** @param start whether a start (partitions not named by explicit offsets start at their earliest) */
    private static Map<Integer, Long> offsets(KafkaConsumer<byte[], byte[]> consumer, KafkaPosition position,
            boolean start, List<TopicPartition> partitions, Map<TopicPartition, Long> earliest, Map<TopicPartition, Long> latest) {
        Map<Integer, Long> result = new java.util.TreeMap<>();
        Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndTimestamp> byTime =
                position instanceof KafkaPosition.AtTimestamp t
                        ? consumer.offsetsForTimes(partitions.stream().collect(java.util.stream.Collectors.toMap(
                                p -> p, p -> t.epochMillis())), ADMIN_TIMEOUT)
                        : Map.of();
        for (TopicPartition partition : partitions) {
            long first = earliest.get(partition);
            long end = latest.get(partition);
            long offset;
            if (position instanceof KafkaPosition.Earliest) {
                offset = first;
            } else if (position instanceof KafkaPosition.Latest) {
                offset = end;
            } else if (position instanceof KafkaPosition.AtTimestamp) {
                var found = byTime.get(partition);
                offset = found == null ? end : found.offset(); // nothing at or after the time: the end
            } else {
                offset = ((KafkaPosition.AtOffsets) position).offsets()
                        .getOrDefault(partition.partition(), start ? first : end);
            }
            result.put(partition.partition(), Math.max(first, Math.min(end, offset)));
        }
        return result;
    }

    private static void createMissingTopics(String bootstrap, List<String> names) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis()))) {
            Set<String> existing = admin.listTopics().names().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = names.stream().filter(n -> !existing.contains(n))
                    .map(n -> new NewTopic(n, java.util.Optional.empty(), java.util.Optional.empty())).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics " + names, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot create the output topics " + names + " on " + bootstrap + ": "
                    + RunResources.rootMessage(e), e);
        }
    }

    private static Map<TopicPartition, Long> endOffsets(String bootstrap, OutputTopicReader.Topics topics) {
        try (KafkaConsumer<byte[], byte[]> consumer = readCommittedConsumer(bootstrap)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(topics.intents(), topics.recommendations(), topics.deadLetters())) {
                consumer.partitionsFor(topic, ADMIN_TIMEOUT)
                        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            return new HashMap<>(consumer.endOffsets(partitions, ADMIN_TIMEOUT));
        }
    }

    /** Passes on only records at or after the given offsets (this run's, on a topic that had records before). */
    private record FromOffsets(Map<TopicPartition, Long> start, OutputTopicReader.Listener next)
            implements OutputTopicReader.Listener {
        private boolean ours(ConsumerRecord<String, byte[]> record) {
            return record.offset() >= start.getOrDefault(new TopicPartition(record.topic(), record.partition()), 0L);
        }

        @Override
        public void onIntent(IntentAssignment intent, ConsumerRecord<String, byte[]> record) {
            if (ours(record)) {
                next.onIntent(intent, record);
            }
        }

        @Override
        public void onRecommendation(Recommendation recommendation, ConsumerRecord<String, byte[]> record) {
            if (ours(record)) {
                next.onRecommendation(recommendation, record);
            }
        }

        @Override
        public void onDeadLetter(DeadLetter deadLetter, ConsumerRecord<String, byte[]> record) {
            if (ours(record)) {
                next.onDeadLetter(deadLetter, record);
            }
        }
    }

    /** Cancels a running job, stops the reader and the broker, deletes temporary files; safe from any thread. */
    @Override
    public void close() {
        resources.close();
    }
}
