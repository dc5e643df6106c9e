package io.intentstream.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.demo.AvroBinary;
import io.intentstream.job.demo.InputTopicWriter;
import io.intentstream.job.demo.InteractionEvent;
import io.intentstream.job.demo.OutputTopicReader;
import io.intentstream.job.demo.PlantedIntentStream;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production twin of the MiniCluster failure test: the job on a real standalone Flink session cluster
 * (JobManager and two TaskManager JVMs, RocksDB, checkpoints on local disk) and a real Kafka broker JVM, all
 * started by {@code deploy/local-cluster.sh} and submitted through Flink's client like {@code flink run}.
 *
 * <p>Events are streamed into the input topic at a steady rate; once a checkpoint has completed, the TaskManager
 * that runs the training operator is killed with SIGKILL mid-stream and a replacement is started at once. The job
 * must restart from the last checkpoint and every event must come out exactly once on both output topics as a
 * read_committed consumer sees them: none lost, none duplicated.
 */
// About 3 minutes on a quiet 2-core machine; the bounds below leave room for one shared with other builds.
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class StandaloneClusterTaskManagerKillITCase {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneClusterTaskManagerKillITCase.class);

    private static final int EVENTS = 2_400;
    // Slow enough that the stream is still running when the first outputs are committed on a busy machine.
    private static final int EVENTS_PER_SECOND = 60;
    /** Kill once this share of the stream is written (and a checkpoint exists): well inside the stream. */
    private static final double KILL_AT_FRACTION = 0.35;
    private static final int MALFORMED_EVERY = 500;
    private static final String CHECKPOINT_INTERVAL = "2 s";
    private static final String TRAINING_VERTEX = "Train and score ELCRec";

    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(1);
    private static final Duration RECOVERY_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(2);

    private static Path repository;
    private static LocalClusterScript cluster;
    private static FlinkRestClient rest;
    /** The daemons run in their own sessions and outlive this JVM: stop them even if the fork is killed. */
    private static Thread stopOnExit;

    @BeforeAll
    static void startCluster() throws IOException {
        repository = Path.of("").toAbsolutePath().getParent();
        Path home = Path.of("target").toAbsolutePath().resolve("local-cluster-" + System.currentTimeMillis());
        cluster = new LocalClusterScript(repository, home, LocalClusterScript.Ports.free());
        LocalClusterScript toStop = cluster;
        stopOnExit = new Thread(toStop::close, "stop-local-cluster");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        long started = System.nanoTime();
        try {
            cluster.start(START_TIMEOUT);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        LOG.info("cluster started in {} ms, home {}", (System.nanoTime() - started) / 1_000_000, home);
        rest = new FlinkRestClient(cluster.restUrl());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        }
    }

    @Test
    void killingTheTrainingTaskManagerMidStreamLosesAndDuplicatesNoOutput() throws Exception {
        // The jar `mvn verify` has just packaged; -Dintent-stream.job-jar=... tests another build of it.
        Path jobJar = Path.of(System.getProperty("intent-stream.job-jar",
                repository.resolve("job/target/intent-stream-job.jar").toString()));
        assertThat(jobJar).as("the job jar (mvn -pl job -am package builds it)").isRegularFile();
        String input = "interactions";
        OutputTopicReader.Topics outputs =
                new OutputTopicReader.Topics("intents", "recommendations", "interactions-dead-letters");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            admin.createTopics(List.of(input, outputs.intents(), outputs.recommendations(), outputs.deadLetters())
                            .stream().map(t -> new NewTopic(t, 2, (short) 1)).toList())
                    .all().get(60, TimeUnit.SECONDS);
        }

        String jobId = cluster.submit(SCRIPT_TIMEOUT, jobJar, List.of(
                "--kafka.bootstrap-servers", cluster.bootstrapServers(),
                "--kafka.transactional-id-prefix", "cluster-it-" + System.currentTimeMillis(),
                "--checkpointing.interval", CHECKPOINT_INTERVAL,
                "--model.item-capacity", "1024",
                "--model.clusters", "4",
                "--training.centre-warm-up", "64",
                "--training.batch-size", "64"));
        awaitTrue("job " + jobId + " running", Duration.ofMinutes(3), () -> rest.progress(jobId).fullyRunning());
        LOG.info("job {} running on the cluster", jobId);

        List<InteractionEvent> events = PlantedIntentStream.generate(
                PlantedIntentStream.Parameters.of(300, 4, 20, EVENTS, 11)).events();
        Counting seen = new Counting();
        try (OutputTopicReader reader = OutputTopicReader.start(cluster.bootstrapServers(), outputs, seen)) {
            PacedWriter writer = new PacedWriter(cluster.bootstrapServers(), input, events);
            writer.start();

            // Outputs already committed before the kill are the hard case for exactly-once: the restored job
            // replays input from the checkpoint and must not answer those events again.
            awaitTrue("committed outputs and " + KILL_AT_FRACTION + " of the stream written",
                    Duration.ofSeconds(90), () -> writer.written() >= EVENTS * KILL_AT_FRACTION
                            && !seen.intents.isEmpty());
            List<String> hosts = rest.taskManagersOf(jobId, TRAINING_VERTEX);
            assertThat(hosts).hasSize(1);
            int victim = Integer.parseInt(hosts.get(0).replace("taskmanager-", ""));
            int writtenAtKill = writer.written();
            long outputsAtKill = seen.intents.size();
            LOG.info("killing TaskManager {} (runs {}) after {} events written, {} intents read", victim,
                    TRAINING_VERTEX, writtenAtKill, outputsAtKill);
            long killNanos = System.nanoTime();
            cluster.killTaskManager(victim, SCRIPT_TIMEOUT);
            int replacement = cluster.startTaskManager(SCRIPT_TIMEOUT);
            awaitTrue("job restarted from a checkpoint with every subtask running", RECOVERY_TIMEOUT,
                    () -> rest.restoredCheckpoint(jobId).isPresent() && rest.progress(jobId).fullyRunning());
            long recoveryMillis = (System.nanoTime() - killNanos) / 1_000_000;
            long restoredFrom = rest.restoredCheckpoint(jobId).orElseThrow();
            LOG.info("job running again from checkpoint {} {} ms after the kill", restoredFrom, recoveryMillis);

            writer.join(TimeUnit.MINUTES.toMillis(2));
            assertThat(writer.isAlive()).as("writer finished").isFalse();
            writer.rethrowFailure();

            Set<String> expected = events.stream().map(InteractionEvent::eventId).collect(Collectors.toSet());
            awaitTrue("an intent and a recommendation for every event", DRAIN_TIMEOUT,
                    () -> seen.intents.keySet().containsAll(expected)
                            && seen.recommendations.keySet().containsAll(expected));
            LOG.info("every event answered; waiting for two more checkpoints");
            // Transactions still open at this point would show duplicates only once committed: let two more
            // checkpoints complete, then read every topic to its end.
            long checkpoints = rest.completedCheckpoints(jobId);
            awaitTrue("two more checkpoints", Duration.ofSeconds(60),
                    () -> rest.completedCheckpoints(jobId) >= checkpoints + 2);
            assertThat(reader.awaitCaughtUp(Duration.ofSeconds(60))).as("outputs read to their end").isTrue();
            reader.rethrowFailure();
            writeMetricsScrape(cluster.home().resolve("prometheus-scrape.txt"));
            rest.cancel(jobId);

            Set<String> lostIntents = new HashSet<>(expected);
            lostIntents.removeAll(seen.intents.keySet());
            Set<String> lostRecommendations = new HashSet<>(expected);
            lostRecommendations.removeAll(seen.recommendations.keySet());
            List<String> duplicated = new ArrayList<>();
            seen.intents.forEach((id, n) -> { if (n.get() > 1) duplicated.add("intent " + id + " x" + n); });
            seen.recommendations.forEach((id, n) -> { if (n.get() > 1) duplicated.add("recommendation " + id + " x" + n); });
            LOG.info("cluster failover: {} events ({} written at the kill, {} intents read by then), TaskManager {} "
                            + "killed, replacement {} started, running again from checkpoint {} after {} ms; lost {} "
                            + "intents and {} recommendations, {} duplicates, {} dead letters",
                    EVENTS, writtenAtKill, outputsAtKill, victim, replacement, restoredFrom, recoveryMillis,
                    lostIntents.size(), lostRecommendations.size(), duplicated.size(), seen.deadLetters.get());
            Files.writeString(cluster.home().resolve("failover-figures.txt"), String.format(
                    "events=%d writtenAtKill=%d intentsReadAtKill=%d killedTaskManager=%d replacement=%d "
                            + "restoredCheckpoint=%d recoveryMillis=%d lostIntents=%d lostRecommendations=%d "
                            + "duplicates=%d deadLetters=%d%n",
                    EVENTS, writtenAtKill, outputsAtKill, victim, replacement, restoredFrom, recoveryMillis,
                    lostIntents.size(), lostRecommendations.size(), duplicated.size(), seen.deadLetters.get()));

            assertThat(writtenAtKill).as("killed mid-stream").isLessThan(EVENTS);
            assertThat(lostIntents).as("events without an intent").isEmpty();
            assertThat(lostRecommendations).as("events without a recommendation").isEmpty();
            assertThat(duplicated).as("outputs written more than once").isEmpty();
            assertThat(seen.intents.keySet()).as("intents only for events that were sent").isEqualTo(expected);
            assertThat(seen.deadLetters.get()).as("one dead letter per malformed record")
                    .isEqualTo(writer.malformedWritten());
        }
    }

    /** Saves what the cluster's Prometheus endpoints expose about the job's operators (for the SRE guide). */
    private static void writeMetricsScrape(Path file) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        StringBuilder scrape = new StringBuilder();
        LocalClusterScript.Ports ports = cluster.ports();
        for (int p = ports.prometheusFirst(); p <= ports.prometheusLast(); p++) {
            int port = p;
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                response.body().lines()
                        .filter(line -> line.startsWith("flink_taskmanager_job_task_operator_"))
                        .forEach(line -> scrape.append(port).append(' ').append(line).append('\n'));
            } catch (IOException unusedPort) {
                // Only as many ports of the range are taken as there are processes.
            }
        }
        Files.writeString(file, scrape);
    }

    private static void awaitTrue(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException lastError = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
                lastError = null;
            } catch (RuntimeException e) {
                // The REST API answers errors while the job restarts; keep asking until the deadline.
                lastError = e;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what, lastError);
    }

    /** Counts every output record per event id, as a read_committed consumer receives them. */
    private static final class Counting implements OutputTopicReader.Listener {
        final Map<String, AtomicInteger> intents = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> recommendations = new ConcurrentHashMap<>();
        final AtomicInteger deadLetters = new AtomicInteger();

        @Override
        public void onIntent(IntentAssignment intent, ConsumerRecord<String, byte[]> record) {
            intents.computeIfAbsent(intent.getEventId(), id -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public void onRecommendation(Recommendation recommendation, ConsumerRecord<String, byte[]> record) {
            recommendations.computeIfAbsent(recommendation.getEventId(), id -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public void onDeadLetter(DeadLetter deadLetter, ConsumerRecord<String, byte[]> record) {
            deadLetters.incrementAndGet();
        }
    }

    /** Writes the events at a steady rate, with an undecodable record after every {@link #MALFORMED_EVERY}. */
    private static final class PacedWriter extends Thread {
        private final String bootstrapServers;
        private final String topic;
        private final List<InteractionEvent> events;
        private final AtomicInteger written = new AtomicInteger();
        private final AtomicInteger malformed = new AtomicInteger();
        private final AtomicReference<Exception> failure = new AtomicReference<>();

        PacedWriter(String bootstrapServers, String topic, List<InteractionEvent> events) {
            super("paced-input-writer");
            setDaemon(true);
            this.bootstrapServers = bootstrapServers;
            this.topic = topic;
            this.events = events;
        }

        int written() {
            return written.get();
        }

        int malformedWritten() {
            return malformed.get();
        }

        void rethrowFailure() {
            if (failure.get() != null) {
                throw new IllegalStateException("writing the input failed", failure.get());
            }
        }

        private void onAcknowledged(RecordMetadata metadata, Exception error) {
            if (error != null) {
                failure.compareAndSet(null, error);
            }
        }

        @Override
        public void run() {
            Properties properties = new Properties();
            properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            properties.put(ProducerConfig.ACKS_CONFIG, "all");
            properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
            try (KafkaProducer<String, byte[]> producer =
                    new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer())) {
                long start = System.nanoTime();
                for (int i = 0; i < events.size(); i++) {
                    long due = start + TimeUnit.SECONDS.toNanos(i) / EVENTS_PER_SECOND;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    InteractionEvent event = events.get(i);
                    producer.send(new ProducerRecord<>(topic, event.userId(),
                            AvroBinary.encode(InputTopicWriter.toAvro(event))), this::onAcknowledged);
                    written.incrementAndGet();
                    if ((i + 1) % MALFORMED_EVERY == 0) {
                        byte[] notAvro = ("not an interaction " + Instant.now()).getBytes();
                        producer.send(new ProducerRecord<>(topic, event.userId(), notAvro), this::onAcknowledged);
                        malformed.incrementAndGet();
                    }
                    if (failure.get() != null) {
                        return;
                    }
                }
                producer.flush();
            } catch (Exception e) {
                failure.compareAndSet(null, e);
            }
        }
    }
}
