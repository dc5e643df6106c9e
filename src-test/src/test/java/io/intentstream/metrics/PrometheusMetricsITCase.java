package io.intentstream.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.intentstream.job.IntentStreamJob;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.config.StartingOffsets;
import io.intentstream.job.demo.InputTopicWriter;
import io.intentstream.job.demo.PlantedIntentStream;
import io.intentstream.job.embedded.EmbeddedKafkaBroker;
import io.intentstream.job.embedded.TemporaryDirectory;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's metrics as an SRE's Prometheus sees them: the job runs on a MiniCluster with Flink's Prometheus
 * reporter against a real Kafka broker, and the test scrapes the reporter's HTTP endpoint while the job runs until
 * every metric the operations guide documents is there with a plausible value.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class PrometheusMetricsITCase {

    private static final Logger LOG = LoggerFactory.getLogger(PrometheusMetricsITCase.class);
    private static final String OPERATOR = "flink_taskmanager_job_task_operator_";
    private static final int EVENTS = 1_500;
    private static final int MALFORMED = 6;
    private static final int CLUSTERS = 4;
    private static final Duration SCRAPE_TIMEOUT = Duration.ofMinutes(2);

    /** Every operator metric docs/operations.md describes. */
    static final List<String> DOCUMENTED = List.of(
            "eventsIn", "eventsOut", "batchSize", "trainStepMillis", "trainingSamples", "trainingSamplesPerSecond",
            "eventsScoredOnly", "trainingFraction",
            "lossTotal", "lossNextItem", "lossSequenceContrast", "lossIntentContrast", "lossCluster",
            "modelVersion", "skippedTrainSteps", "pendingEvents", "centresInitialised",
            "centresFittedAtVersion", "failedCentreInitialisations",
            "nonEmptyClusters", "assignmentEntropyBits", "assignmentEntropyNormalised",
            "itemIndexSize", "itemIndexOccupancy", "itemEvictions",
            "prequentialHitRate10", "prequentialNdcg10", "prequentialScored", "prequentialColdItems",
            // A key-value metric group adds its key to the name and its value as a label: reason_deadLetters{reason=...}
            "prequentialMillis", "reason_deadLetters");

    @Test
    void aRunningJobExposesEveryDocumentedMetricThroughThePrometheusReporter() throws Exception {
        int port = freePort();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
                TemporaryDirectory work = TemporaryDirectory.create("intent-stream-prometheus-")) {
            String run = "prom-" + System.nanoTime();
            List<String> topics = List.of(run + "-in", run + "-intents", run + "-recs", run + "-dead");
            broker.createTopics(topics, 2);
            InputTopicWriter.write(broker.bootstrapServers(), topics.get(0), PlantedIntentStream.generate(
                    PlantedIntentStream.Parameters.of(150, CLUSTERS, 15, EVENTS, 3)).events(), MALFORMED);

            Configuration options = new Configuration();
            options.set(IntentStreamOptions.BOOTSTRAP_SERVERS, broker.bootstrapServers());
            options.set(IntentStreamOptions.INPUT_TOPIC, topics.get(0));
            options.set(IntentStreamOptions.INTENTS_TOPIC, topics.get(1));
            options.set(IntentStreamOptions.RECOMMENDATIONS_TOPIC, topics.get(2));
            options.set(IntentStreamOptions.DEAD_LETTER_TOPIC, topics.get(3));
            options.set(IntentStreamOptions.TRANSACTIONAL_ID_PREFIX, run);
            options.set(IntentStreamOptions.STARTING_OFFSETS, StartingOffsets.EARLIEST);
            // Unbounded: the metrics live as long as the job, so it must still run while it is scraped.
            options.set(IntentStreamOptions.BOUNDED, false);
            options.set(IntentStreamOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(2));
            options.set(IntentStreamOptions.CLUSTERS, CLUSTERS);
            options.set(IntentStreamOptions.HIDDEN_SIZE, 16);
            options.set(IntentStreamOptions.BATCH_SIZE, 64);
            options.set(IntentStreamOptions.CENTRE_WARM_UP, 64);
            options.set(IntentStreamOptions.ITEM_CAPACITY, 128);

            Configuration flink = IntentStreamJob.localClusterConfiguration(options, work.path().resolve("checkpoints"));
            flink.set(CoreOptions.TMP_DIRS, work.path().resolve("tmp").toString());
            flink.setString("metrics.reporter.prom.factory.class",
                    "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            flink.setString("metrics.reporter.prom.port", Integer.toString(port));
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, flink);
            IntentStreamJob.fromConfiguration(options).build(env);
            JobClient job = env.executeAsync("intent-stream prometheus");
            String scrape;
            try {
                scrape = scrapeUntilComplete(port);
            } finally {
                job.cancel().get(60, TimeUnit.SECONDS);
            }
            Path excerpt = Path.of("target", "prometheus-scrape.txt");
            Files.writeString(excerpt, scrape.lines()
                    .filter(l -> DOCUMENTED.stream().anyMatch(name -> l.startsWith(OPERATOR + name + "{")))
                    .collect(Collectors.joining("\n", "", "\n")));
            LOG.info("Prometheus scrape excerpt in {}", excerpt.toAbsolutePath());

            assertThat(value(scrape, "eventsIn", "")).hasValueSatisfying(v -> assertThat(v).isPositive());
            assertThat(value(scrape, "modelVersion", "")).hasValueSatisfying(v -> assertThat(v).isPositive());
            assertThat(value(scrape, "prequentialHitRate10", "")).hasValueSatisfying(v -> assertThat(v).isBetween(0.0, 1.0));
            assertThat(value(scrape, "prequentialNdcg10", "")).hasValueSatisfying(v -> assertThat(v).isBetween(0.0, 1.0));
            assertThat(value(scrape, "nonEmptyClusters", "")).hasValueSatisfying(v -> assertThat(v).isBetween(1.0, (double) CLUSTERS));
            assertThat(value(scrape, "assignmentEntropyBits", ""))
                    .hasValueSatisfying(v -> assertThat(v).isBetween(0.0, Math.log(CLUSTERS) / Math.log(2) + 1e-9));
            assertThat(value(scrape, "itemIndexOccupancy", "")).hasValueSatisfying(v -> assertThat(v).isBetween(0.0, 1.0));
            assertThat(value(scrape, "reason_deadLetters", "reason=\"UNDECODABLE\"")).hasValueSatisfying(v -> assertThat(v).isPositive());
        }
    }

    /** Scrapes until every documented metric has a sample and training and scoring have produced values. */
    private static String scrapeUntilComplete(int port) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + SCRAPE_TIMEOUT.toNanos();
        String last = "";
        List<String> missing = DOCUMENTED;
        while (System.nanoTime() < deadline) {
            try {
                last = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
            } catch (IOException notYetListening) {
                last = "";
            }
            String scrape = last;
            // "name{" so that trainingSamples is not found by way of trainingSamplesPerSecond.
            missing = DOCUMENTED.stream().filter(name -> !scrape.contains(OPERATOR + name + "{")).toList();
            // One scrape reads the gauges one after another while the job runs, so the counter can already count
            // the first scored batch while a gauge read a moment earlier was still NaN: wait for all three.
            boolean scored = value(scrape, "prequentialScored", "").orElse(0.0) > 0
                    && value(scrape, "prequentialHitRate10", "").isPresent()
                    && value(scrape, "prequentialNdcg10", "").isPresent();
            boolean deadLetters = value(scrape, "reason_deadLetters", "reason=\"UNDECODABLE\"").orElse(0.0) > 0;
            if (missing.isEmpty() && scored && deadLetters) {
                return scrape;
            }
            Thread.sleep(1_000);
        }
        throw new AssertionError("after " + SCRAPE_TIMEOUT + " the Prometheus endpoint still lacks " + missing
                + "; last scrape:\n" + last.lines().filter(l -> l.startsWith(OPERATOR)).limit(60)
                        .collect(Collectors.joining("\n")));
    }

    /** The value of the first sample of an operator metric whose labels contain {@code labelPart}. */
    private static Optional<Double> value(String scrape, String name, String labelPart) {
        Pattern sample = Pattern.compile("^" + OPERATOR + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
        Matcher m = sample.matcher(scrape);
        while (m.find()) {
            if (m.group(1).contains(labelPart)) {
                double v = Double.parseDouble(m.group(2));
                if (!Double.isNaN(v)) {
                    return Optional.of(v);
                }
            }
        }
        return Optional.empty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
