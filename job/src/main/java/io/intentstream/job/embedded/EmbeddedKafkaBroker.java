package io.intentstream.job.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker (KRaft, combined controller and broker) running inside this JVM on
 * loopback, for the local demo and the end-to-end tests.
 *
 * <p>Its logs and metadata live in a fresh temporary directory that {@link #close()} deletes. Internal topics
 * (consumer offsets, transaction state, share-group state) get replication factor 1 and min ISR 1, which a single
 * node needs for consumer groups and transactional producers to work at all.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    /** Admin requests against a local broker answer in milliseconds; this only bounds a hung broker. */
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private final KafkaClusterTestKit cluster;
    private final Path baseDirectory;
    private final Duration startTime;
    private boolean closed;

    private EmbeddedKafkaBroker(KafkaClusterTestKit cluster, Path baseDirectory, Duration startTime) {
        this.cluster = cluster;
        this.baseDirectory = baseDirectory;
        this.startTime = startTime;
    }

    /**
     * Formats and starts a broker in a new temporary directory and waits until it accepts clients.
     *
     * @throws IllegalStateException if the broker does not start; its temporary directory is deleted then
     */
    public static EmbeddedKafkaBroker start() {
        Path baseDirectory;
        try {
            baseDirectory = Files.createTempDirectory("intent-stream-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary directory for the embedded Kafka broker", e);
        }
        long started = System.nanoTime();
        KafkaClusterTestKit cluster = null;
        try {
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .setBaseDirectory(baseDirectory)
                    .build();
            KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(true);
            singleNodeSettings().forEach(builder::setConfigProp);
            cluster = builder.build();
            formatQuietly(cluster);
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafkaBroker(cluster, baseDirectory, Duration.ofNanos(System.nanoTime() - started));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            closeQuietly(cluster);
            TemporaryDirectory.deleteRecursively(baseDirectory);
            throw new IllegalStateException("The embedded Kafka broker did not start: " + e.getMessage(), e);
        }
    }

    /**
     * Formats the storage directories. Kafka's storage formatter prints its progress to {@code System.out}
     * (it is the {@code kafka-storage format} tool's code), which would land in the middle of the demo's output;
     * the lines go to the log instead.
     */
    private static void formatQuietly(KafkaClusterTestKit cluster) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            cluster.format();
        } finally {
            System.setOut(original);
            LOG.info("Kafka storage formatter: {}", captured.toString(StandardCharsets.UTF_8).strip());
        }
    }

    /** Broker settings that a one-node cluster needs, and the reasons. */
    static Map<String, Object> singleNodeSettings() {
        return Map.ofEntries(
                // The defaults (3 replicas, min ISR 2) can never be met by one node.
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                // One partition each instead of 50: the internal topics are created on first use, and 50 log
                // directories make the first transactional producer and consumer group wait for seconds.
                Map.entry("offsets.topic.num.partitions", "1"),
                Map.entry("transaction.state.log.num.partitions", "1"),
                // Consumer groups in tests and the demo have one member: no reason to wait for more to join.
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                // Flink's exactly-once Kafka sink keeps transactions open up to a checkpoint interval plus
                // recovery time and defaults to a 1 h transaction timeout; the broker's 15 min cap would
                // reject its producers.
                Map.entry("transaction.max.timeout.ms", Long.toString(TimeUnit.HOURS.toMillis(2))),
                // Topics are created explicitly, with the partition count the caller asks for.
                Map.entry("auto.create.topics.enable", "false"),
                // Replays carry their historical event times into Kafka record timestamps (the Flink sinks use
                // the event time). Time-based retention would delete such records minutes after they are
                // written, and time-based rolling would start a new segment for every batch; this broker lives
                // for one run, so keep everything in as few segments as size allows.
                Map.entry("log.retention.ms", "-1"),
                Map.entry("log.roll.ms", Long.toString(TimeUnit.DAYS.toMillis(365L * 1000))));
    }

    /** {@code host:port} of the broker's client listener, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** How long formatting, starting and waiting for the broker to accept clients took. */
    public Duration startTime() {
        return startTime;
    }

    /** The temporary directory holding the broker's metadata and logs; gone after {@link #close()}. */
    public Path baseDirectory() {
        return baseDirectory;
    }

    /**
     * Creates the topics, each with {@code partitions} partitions and one replica, and waits until the broker
     * has committed them and serves them: every partition has a leader in the metadata clients get. (The
     * creation completes at the controller first; a consumer that asks for the partitions a moment later may
     * still be told the topic does not exist.)
     *
     * @throws IllegalStateException if a topic exists already or the broker refuses or times out
     */
    public void createTopics(Collection<String> names, int partitions) {
        Objects.requireNonNull(names, "names");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        List<NewTopic> topics = names.stream().map(name -> new NewTopic(name, partitions, (short) 1)).toList();
        try (Admin admin = admin()) {
            admin.createTopics(topics).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            awaitLeaders(admin, names, partitions);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics " + names, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("Cannot create topics " + names + ": " + cause.getMessage(), cause);
        }
    }

    private static void awaitLeaders(Admin admin, Collection<String> names, int partitions)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (true) {
            try {
                Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames()
                        .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                if (described.values().stream().allMatch(d -> d.partitions().size() == partitions
                        && d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()))) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("topics " + names + " created but not served within " + ADMIN_TIMEOUT);
            }
            Thread.sleep(20);
        }
    }

    /** A new admin client for this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis()));
    }

    /** Stops the broker and deletes its temporary directory. Calling it again does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            cluster.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("The embedded Kafka broker did not stop cleanly: " + e.getMessage(), e);
        } finally {
            TemporaryDirectory.deleteRecursively(baseDirectory);
        }
    }

    private static void closeQuietly(KafkaClusterTestKit cluster) {
        if (cluster == null) {
            return;
        }
        try {
            cluster.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
