package io.intentstream.job.bench;

import io.intentstream.job.IntentStreamJob;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.config.StartingOffsets;
import io.intentstream.job.demo.AvroBinary;
import io.intentstream.job.demo.InputTopicWriter;
import io.intentstream.job.demo.InteractionEvent;
import io.intentstream.job.demo.OutputTopicReader;
import io.intentstream.job.embedded.EmbeddedKafkaBroker;
import io.intentstream.job.embedded.TemporaryDirectory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job end to end on the embedded default (Kafka → user state in RocksDB → batching training operator →
 * Kafka), in one broker and one MiniCluster job:
 * <ol>
 *   <li>sustained maximum: a backlog is written before the job starts; the job drains it as fast as it can, and
 *       the rate at which intents arrive at a consumer between the 20% and 95% marks of the backlog (after the
 *       centre warm-up, before the tail) is the sustained events/s;</li>
 *   <li>latency: for each load fraction, events are written at that fraction of the sustained rate for a fixed
 *       time, each with its send time (wall clock) as event time, and every intent's arrival at a consumer minus
 *       that time is one latency sample. Each phase waits until all its intents have arrived.</li>
 * </ol>
 *
 * <p>The sinks run at-least-once unless the job settings say otherwise: with exactly-once, output becomes visible
 * to {@code read_committed} consumers only when the checkpoint that covers it completes, so the latency would
 * measure the checkpoint interval, not the pipeline. The events are synthetic: uniformly random users and items
 * with the job's model at its configured shapes, since only the shapes, not the content, decide the cost.
 */
public final class EndToEndBenchmark implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EndToEndBenchmark.class);

    /** Checkpoints still run (RocksDB, unaligned), at a pace that a benchmark phase sees a few of. */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);

    private static final double SUSTAINED_FROM = 0.20;
    private static final double SUSTAINED_TO = 0.95;

    /**
     * @param jobOptions job settings ({@link IntentStreamOptions}); the broker, topics' offsets and unbounded
     *     reading are the benchmark's
     * @param users distinct users of the synthetic stream
     * @param items distinct items (also the item table's capacity unless the settings give one)
     * @param backlogEvents events of the sustained-maximum phase
     * @param phase how long each load phase writes
     * @param loadFractions fractions of the sustained rate to measure latency at
     * @param timeout how long any phase may take to be answered completely
     * @param referenceEventsPerSecond the rate the load fractions apply to; NaN: this run's own sustained rate.
     *     Curves over a setting (max wait) give every point the same reference, so that "50%" is one input rate.
     */
    public record Settings(Configuration jobOptions, int users, int items, int backlogEvents, Duration phase,
            List<Double> loadFractions, Duration timeout, int partitions, long seed, double referenceEventsPerSecond) {

        public Settings(Configuration jobOptions, int users, int items, int backlogEvents, Duration phase,
                List<Double> loadFractions, Duration timeout, int partitions, long seed) {
            this(jobOptions, users, items, backlogEvents, phase, loadFractions, timeout, partitions, seed, Double.NaN);
        }

        /** These settings with other job options and load fractions of {@code eventsPerSecond} (NaN: own rate). */
        public Settings with(Configuration options, double eventsPerSecond) {
            return new Settings(options, users, items, backlogEvents, phase, loadFractions, timeout, partitions, seed,
                    eventsPerSecond);
        }

        public Settings {
            if (!Double.isNaN(referenceEventsPerSecond) && !(referenceEventsPerSecond > 0)) {
                throw new IllegalArgumentException(
                        "referenceEventsPerSecond must be positive or NaN, got " + referenceEventsPerSecond);
            }
            Objects.requireNonNull(jobOptions, "jobOptions");
            if (users < 1 || items < 2 || backlogEvents < 1 || partitions < 1) {
                throw new IllegalArgumentException("users, backlogEvents and partitions must be positive and items "
                        + "at least 2, got " + users + ", " + backlogEvents + ", " + partitions + ", " + items);
            }
            if (phase.isNegative() || phase.isZero() || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("phase and timeout must be positive");
            }
            loadFractions = List.copyOf(loadFractions);
            for (double f : loadFractions) {
                if (!(f > 0 && f <= 1)) {
                    throw new IllegalArgumentException("load fractions must be in (0, 1], got " + f);
                }
            }
        }
    }

    /**
     * Latency at one input rate, in milliseconds from send to arrival at the consumer, and its two parts: from
     * send to the training operator's flush of the event's batch (Kafka source, user history, the batch's wait:
     * the intent's emit time) and from there to arrival (prequential pass, step, scoring, sink, Kafka, reader).
     */
    public record LoadPoint(double loadFraction, double targetEventsPerSecond, double inputEventsPerSecond,
            int events, double p50, double p90, double p99, double max, double meanPipelineMillis,
            double toFlushP50, double toFlushP99, double afterFlushP50, double afterFlushP99, long notTrained) {

        /**
         * Share of the phase's events the trainer took (not left out because it could not keep up: scoring.mode
         * SEPARATE only; 1 otherwise).
         */
        public double trainedShare() {
            return events == 0 ? Double.NaN : 1 - (double) notTrained / events;
        }
    }

    /**
     * @param sustainedEventsPerSecond intents per second while draining the backlog
     * @param backlogSeconds how long draining the whole backlog took from the job's submission (start-up included)
     */
    public record Result(double sustainedEventsPerSecond, int backlogEvents, double backlogSeconds,
            List<LoadPoint> loads, String deliveryGuarantee, Duration checkpointInterval, int batchSize,
            Duration maxBatchWait, long backlogNotTrained) {

        /** Share of the backlog the trainer took (below 1 only when scoring.mode SEPARATE leaves events out). */
        public double backlogTrainedShare() {
            return 1 - (double) backlogNotTrained / backlogEvents;
        }
    }

    private final Settings settings;
    private final Consumer<String> progress;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    private JobClient jobClient;

    public EndToEndBenchmark(Settings settings, Consumer<String> progress) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    public Result run() throws Exception {
        TemporaryDirectory runDirectory = register(TemporaryDirectory.create("intent-stream-bench-"));
        EmbeddedKafkaBroker broker = register(EmbeddedKafkaBroker.start());
        Configuration options = jobOptions(settings, broker.bootstrapServers());
        String input = options.get(IntentStreamOptions.INPUT_TOPIC);
        OutputTopicReader.Topics outputs = new OutputTopicReader.Topics(
                options.get(IntentStreamOptions.INTENTS_TOPIC),
                options.get(IntentStreamOptions.RECOMMENDATIONS_TOPIC),
                options.get(IntentStreamOptions.DEAD_LETTER_TOPIC));
        broker.createTopics(List.of(input, outputs.intents(), outputs.recommendations(), outputs.deadLetters()),
                settings.partitions());

        EventStream events = new EventStream(settings.users(), settings.items(), settings.seed());
        long now = System.currentTimeMillis();
        List<InteractionEvent> backlog = new ArrayList<>(settings.backlogEvents());
        for (int i = 0; i < settings.backlogEvents(); i++) {
            backlog.add(events.next("backlog", now));
        }
        try (KafkaProducer<String, byte[]> producer = producer(broker.bootstrapServers())) {
            for (InteractionEvent event : backlog) {
                send(producer, input, event);
            }
            producer.flush();
            rethrowSendFailure();
        }
        progress.accept(String.format("Wrote a backlog of %d events; starting the job", backlog.size()));

        LatencyRecorder recorder = new LatencyRecorder();
        OutputTopicReader reader = register(OutputTopicReader.start(broker.bootstrapServers(), outputs, recorder));

        Configuration flink = IntentStreamJob.localClusterConfiguration(
                options, runDirectory.path().resolve("checkpoints"));
        flink.set(CoreOptions.TMP_DIRS, runDirectory.path().resolve("tmp").toString());
        flink.set(RocksDBOptions.LOCAL_DIRECTORIES, runDirectory.path().resolve("rocksdb").toString());
        // Live counters (events the trainer left out under scoring.mode SEPARATE), read between the phases.
        flink.setString("metrics.reporter.live.factory.class", LiveMetricsReporter.class.getName());
        flink.set(MetricOptions.REPORTERS_LIST, "live");
        LiveMetricsReporter.clear();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(flink);
        IntentStreamJob.fromConfiguration(options).build(env);
        long submitted = System.nanoTime();
        jobClient = env.executeAsync(IntentStreamJob.JOB_NAME + "-bench");
        CompletableFuture<JobExecutionResult> jobResult = jobClient.getJobExecutionResult();

        awaitArrivals(recorder, reader, jobResult, backlog.size(), "the backlog");
        double backlogSeconds = (System.nanoTime() - submitted) / 1e9;
        long backlogNotTrained = notTrained();
        double sustained = sustainedRate(recorder.since(0));
        progress.accept(String.format("Backlog answered in %.1f s; sustained %.1f events/s", backlogSeconds,
                sustained));
        double reference = Double.isNaN(settings.referenceEventsPerSecond())
                ? sustained : settings.referenceEventsPerSecond();

        List<LoadPoint> loads = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = producer(broker.bootstrapServers())) {
            for (double fraction : settings.loadFractions()) {
                loads.add(loadPhase(fraction, reference, events, producer, input, recorder, reader, jobResult));
            }
        }
        reader.rethrowFailure();
        return new Result(sustained, backlog.size(), backlogSeconds, loads,
                options.get(IntentStreamOptions.DELIVERY_GUARANTEE).name(),
                options.get(IntentStreamOptions.CHECKPOINT_INTERVAL),
                options.get(IntentStreamOptions.BATCH_SIZE), IntentStreamOptions.trainingMaxWait(options),
                backlogNotTrained);
    }

    /** Events the training operator has left out so far because it could not keep up (SEPARATE scoring). */
    private static long notTrained() {
        return (long) LiveMetricsReporter.sumNamed("eventsNotTrainedOverload").orElse(0);
    }

    private LoadPoint loadPhase(double fraction, double sustained, EventStream events,
            KafkaProducer<String, byte[]> producer, String topic, LatencyRecorder recorder, OutputTopicReader reader,
            CompletableFuture<JobExecutionResult> jobResult) throws Exception {
        double rate = fraction * sustained;
        String phase = String.format(java.util.Locale.ROOT, "load%03d", Math.round(fraction * 100));
        int count = Math.max(1, (int) Math.round(rate * settings.phase().toNanos() / 1e9));
        progress.accept(String.format("Writing %d events at %.0f%% of the sustained rate (%.1f events/s)", count,
                fraction * 100, rate));
        int before = recorder.count();
        long notTrainedBefore = notTrained();
        long start = System.nanoTime();
        double intervalNanos = 1e9 / rate;
        for (int i = 0; i < count; i++) {
            long due = start + (long) (i * intervalNanos);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            send(producer, topic, events.next(phase, System.currentTimeMillis()));
            rethrowSendFailure();
        }
        producer.flush();
        rethrowSendFailure();
        double inputRate = count / Math.max(1e-9, (System.nanoTime() - start) / 1e9);
        awaitArrivals(recorder, reader, jobResult, before + count, "the " + phase + " phase");
        List<LatencyRecorder.Arrival> answered = recorder.since(before).stream()
                .filter(a -> a.eventId().startsWith(phase + "-"))
                .toList();
        long[] sorted = LatencyRecorder.sorted(
                answered.stream().mapToLong(LatencyRecorder.Arrival::latencyMillis).toArray());
        long[] toFlush = LatencyRecorder.sorted(
                answered.stream().mapToLong(a -> a.emitTimeMillis() - a.eventTimeMillis()).toArray());
        long[] afterFlush = LatencyRecorder.sorted(
                answered.stream().mapToLong(a -> a.arrivalMillis() - a.emitTimeMillis()).toArray());
        double pipeline = java.util.Arrays.stream(toFlush).average().orElse(Double.NaN);
        LoadPoint point = new LoadPoint(fraction, rate, inputRate, sorted.length,
                LatencyRecorder.percentile(sorted, 50), LatencyRecorder.percentile(sorted, 90),
                LatencyRecorder.percentile(sorted, 99), sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1],
                pipeline, LatencyRecorder.percentile(toFlush, 50), LatencyRecorder.percentile(toFlush, 99),
                LatencyRecorder.percentile(afterFlush, 50), LatencyRecorder.percentile(afterFlush, 99),
                notTrained() - notTrainedBefore);
        progress.accept(String.format("  latency p50 %.0f ms, p99 %.0f ms (%d events); send to flush p50 %.0f / "
                        + "p99 %.0f ms, flush to arrival p50 %.0f / p99 %.0f ms", point.p50(), point.p99(),
                point.events(), point.toFlushP50(), point.toFlushP99(), point.afterFlushP50(),
                point.afterFlushP99()));
        return point;
    }

    private void awaitArrivals(LatencyRecorder recorder, OutputTopicReader reader,
            CompletableFuture<JobExecutionResult> jobResult, int expected, String what) throws InterruptedException {
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        while (recorder.count() < expected) {
            reader.rethrowFailure();
            if (jobResult.isDone()) {
                jobResult.join();
                throw new IllegalStateException("The job ended before it had answered " + what);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(String.format("Only %d of %d intents arrived within %s while "
                        + "answering %s", recorder.count(), expected, settings.timeout(), what));
            }
            Thread.sleep(50);
        }
    }

    /** Intents per second between the {@link #SUSTAINED_FROM} and {@link #SUSTAINED_TO} marks of arrival. */
    static double sustainedRate(List<LatencyRecorder.Arrival> arrivals) {
        long[] times = arrivals.stream().mapToLong(LatencyRecorder.Arrival::arrivalMillis).toArray();
        Arrays.sort(times);
        int from = (int) Math.floor(SUSTAINED_FROM * (times.length - 1));
        int to = (int) Math.ceil(SUSTAINED_TO * (times.length - 1));
        if (to > from && times[to] > times[from]) {
            return (to - from) / ((times[to] - times[from]) / 1000.0);
        }
        long span = times.length < 2 ? 0 : times[times.length - 1] - times[0];
        if (span <= 0) {
            throw new IllegalStateException("too few intents arrived apart in time to measure a rate");
        }
        return (times.length - 1) / (span / 1000.0);
    }

    static Configuration jobOptions(Settings settings, String bootstrapServers) {
        Configuration user = settings.jobOptions();
        Configuration options = new Configuration(user);
        options.set(IntentStreamOptions.BOOTSTRAP_SERVERS, bootstrapServers);
        options.set(IntentStreamOptions.BOUNDED, false);
        options.set(IntentStreamOptions.STARTING_OFFSETS, StartingOffsets.EARLIEST);
        if (!user.containsKey(IntentStreamOptions.DELIVERY_GUARANTEE.key())) {
            options.set(IntentStreamOptions.DELIVERY_GUARANTEE, DeliveryGuarantee.AT_LEAST_ONCE);
        }
        if (!user.containsKey(IntentStreamOptions.CHECKPOINT_INTERVAL.key())) {
            options.set(IntentStreamOptions.CHECKPOINT_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL);
        }
        if (!user.containsKey(IntentStreamOptions.ITEM_CAPACITY.key())) {
            options.set(IntentStreamOptions.ITEM_CAPACITY, settings.items());
        }
        if (!user.containsKey(IntentStreamOptions.TRANSACTIONAL_ID_PREFIX.key())) {
            options.set(IntentStreamOptions.TRANSACTIONAL_ID_PREFIX, "intent-stream-bench-" + UUID.randomUUID());
        }
        if (!user.containsKey(RestartStrategyOptions.RESTART_STRATEGY.key())) {
            // A failure would restart from a checkpoint and replay outputs, which would pollute the latencies.
            options.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        }
        return IntentStreamOptions.validate(options);
    }

    /** Sends one event, keyed by user, with its event time as the record timestamp. */
    private void send(KafkaProducer<String, byte[]> producer, String topic, InteractionEvent event) {
        producer.send(new ProducerRecord<>(topic, null, event.eventTimeMillis(), event.userId(),
                AvroBinary.encode(InputTopicWriter.toAvro(event))), (metadata, error) -> {
                    if (error != null) {
                        sendFailure.compareAndSet(null, error);
                    }
                });
    }

    private void rethrowSendFailure() {
        Exception failure = sendFailure.get();
        if (failure != null) {
            throw new IllegalStateException("Kafka rejected a benchmark event: " + failure.getMessage(), failure);
        }
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        // Paced single records: do not hold them back to fill batches, that would add to the measured latency.
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // Seen on the loaded test machine: an idempotent producer's first batches to a just-created partition
        // failed with NOT_LEADER_OR_FOLLOWER, and every retry then with OUT_OF_ORDER_SEQUENCE_NUMBER until the
        // delivery timeout. Without idempotence the retry succeeds; one request in flight keeps the order.
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        properties.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        return new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer());
    }

    /** Uniformly random users and items with sequential event ids per phase. */
    static final class EventStream {
        private final int users;
        private final int items;
        private final SplittableRandom random;
        private long next;

        EventStream(int users, int items, long seed) {
            this.users = users;
            this.items = items;
            this.random = new SplittableRandom(seed);
        }

        InteractionEvent next(String phase, long eventTimeMillis) {
            return new InteractionEvent(phase + "-" + next++, "u" + random.nextInt(users),
                    "i" + random.nextInt(items), eventTimeMillis);
        }
    }

    private synchronized <T extends AutoCloseable> T register(T resource) {
        resources.add(resource);
        return resource;
    }

    /** Cancels the job if it runs, then closes the reader and the broker and deletes the directories. */
    @Override
    public synchronized void close() {
        if (jobClient != null) {
            try {
                if (!jobClient.getJobExecutionResult().isDone()) {
                    jobClient.cancel().get(30, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                LOG.warn("Could not cancel the benchmark job", e);
            }
            jobClient = null;
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("Could not close {}", resources.get(i), e);
            }
        }
        resources.clear();
    }
}
