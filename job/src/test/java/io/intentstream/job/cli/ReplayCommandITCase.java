package io.intentstream.job.cli;

import io.intentstream.job.demo.InputTopicWriter;
import io.intentstream.job.demo.InteractionEvent;
import io.intentstream.job.demo.OutputTally;
import io.intentstream.job.demo.OutputTopicReader;
import io.intentstream.job.demo.PlantedIntentStream;
import io.intentstream.job.embedded.EmbeddedKafkaBroker;
import io.intentstream.job.replay.BenchmarkInterleaving;
import io.intentstream.model.export.ModelExport;
import io.intentstream.model.export.SnapshotManifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code replay} contract end to end through the command line, on the embedded broker and a MiniCluster:
 * a two-epoch replay with the holdout writes the summary fields and an exported snapshot that {@code evaluate}
 * scores to the same numbers; a snapshot exported by {@code train} warm-starts a replay, whose model then
 * continues from that snapshot's version.
 */
class ReplayCommandITCase {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Tiny model settings shared by train (its own flags) and replay (job settings). */
    private static final String[] JOB_SETTINGS = {
        "--model.clusters", "4", "--sequence.max-length", "6", "--model.hidden-size", "16", "--model.device", "CPU",
        "--training.batch-size", "32", "--training.centre-warm-up", "32", "--recommend.top-n", "5"
    };

    private record Run(int exitCode, String out, String err) {}

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = IntentStreamCli.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int code = commandLine.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String[] with(String[] head, String... tail) {
        List<String> all = new ArrayList<>(Arrays.asList(head));
        all.addAll(Arrays.asList(tail));
        return all.toArray(String[]::new);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void multiEpochReplayExportsAModelThatEvaluateScoresAndTrainSnapshotsWarmStartAReplay(@TempDir Path dir)
            throws IOException {
        Path data = writeBenchmark(dir.resolve("bench.txt"));
        long heldOutEvents = Files.readAllLines(data).stream()
                .mapToLong(line -> line.split(" ").length - 1 - 2).sum();

        Path summary = dir.resolve("replay.json");
        Path export = dir.resolve("replay-export");
        Run replay = cli(with(new String[] {"replay", "--data", data.toString(), "--epochs", "2",
                "--summary", summary.toString(), "--export", export.toString()}, JOB_SETTINGS));
        assertThat(replay.exitCode()).as(replay.err()).isZero();
        JsonNode s = JSON.readTree(summary.toFile());
        assertThat(s.get("epochs").asInt()).isEqualTo(2);
        assertThat(s.get("holdout").asBoolean()).isTrue();
        assertThat(s.get("events_in").asLong()).isEqualTo(heldOutEvents);
        assertThat(s.get("intents_out").asLong()).isEqualTo(heldOutEvents); // final epoch only
        // The first epoch only trained: its operator scored and answered nothing; the last one answered every event.
        assertThat(s.get("epoch_events_answered")).extracting(JsonNode::asLong).containsExactly(0L, heldOutEvents);
        assertThat(s.get("recommendations_out").asLong()).isEqualTo(heldOutEvents);
        assertThat(s.get("dead_letters").asLong()).isZero();
        assertThat(s.get("events_per_second").asDouble()).isPositive();
        long steps = s.get("train_steps").asLong();
        assertThat(steps).isGreaterThan(4);
        // Every step of both epochs went into one model: the second epoch continued the first one's.
        assertThat(s.get("model_version").asLong()).isEqualTo(steps);

        ModelExport.Loaded exported = ModelExport.load(export);
        SnapshotManifest manifest = exported.manifest();
        assertThat(manifest.producer()).isEqualTo("replay");
        assertThat(manifest.modelVersion()).isEqualTo(steps);
        assertThat(manifest.checksum()).isEqualTo(s.get("model_checksum").asText());
        assertThat(manifest.metrics()).containsKeys("test_ndcg20", "train_steps");

        Path metrics = dir.resolve("evaluate.json");
        Run evaluate = cli("evaluate", "--data", data.toString(), "--model", export.toString(),
                "--out", metrics.toString());
        assertThat(evaluate.exitCode()).as(evaluate.err()).isZero();
        JsonNode scored = JSON.readTree(metrics.toFile());
        assertThat(scored.get("model_checksum").asText()).isEqualTo(manifest.checksum());
        assertThat(scored.at("/test/reference_protocol/ndcg@20").isNumber()).isTrue();
        assertThat(scored.at("/test/reference_protocol/ndcg@20").asDouble())
                .isEqualTo(s.at("/evaluation/test/reference_protocol/ndcg@20").asDouble())
                .isEqualTo(manifest.metrics().get("test_ndcg20"));

        Path trainOut = dir.resolve("train");
        Path trainExport = dir.resolve("train-export");
        Run train = cli("train", "--data", data.toString(), "--preset", "beauty", "--epochs", "1",
                "--out", trainOut.toString(), "--batch-size", "32", "--clusters", "4", "--max-length", "6",
                "--hidden-size", "16", "--device", "cpu", "--no-progress", "--export", trainExport.toString());
        assertThat(train.exitCode()).as(train.err()).isZero();
        SnapshotManifest trained = ModelExport.load(trainExport).manifest();
        assertThat(trained.producer()).isEqualTo("train");
        assertThat(trained.itemIndexSize()).isPositive();

        Path warmSummary = dir.resolve("warm.json");
        Run warm = cli(with(new String[] {"replay", "--data", data.toString(), "--init-model", trainExport.toString(),
                "--summary", warmSummary.toString()}, JOB_SETTINGS));
        assertThat(warm.exitCode()).as(warm.err()).isZero();
        JsonNode w = JSON.readTree(warmSummary.toFile());
        assertThat(w.get("holdout").asBoolean()).isFalse();
        assertThat(w.get("intents_out").asLong()).isEqualTo(Files.readAllLines(data).stream()
                .mapToLong(line -> line.split(" ").length - 1).sum());
        assertThat(w.get("model_version").asLong())
                .isEqualTo(trained.modelVersion() + w.get("train_steps").asLong());
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void kafkaRangeReplayOnAnExistingClusterCountsOnlyItsOwnOutputs(@TempDir Path dir) throws IOException {
        List<InteractionEvent> events = BenchmarkInterleaving.read(writeBenchmark(dir.resolve("bench.txt")), 200, 8);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(List.of("interactions"), 2);
            // Kafka positions by time use the records' timestamps, which are the producer's clock here.
            InputTopicWriter.write(broker.bootstrapServers(), "interactions", events.subList(0, 100), 0);
            sleepAMillisecond();
            long half = System.currentTimeMillis();
            sleepAMillisecond();
            InputTopicWriter.write(broker.bootstrapServers(), "interactions", events.subList(100, 200), 0);

            Path all = dir.resolve("all.json");
            Run whole = cli(with(new String[] {"replay", "--kafka-from", "earliest", "--bootstrap-servers",
                    broker.bootstrapServers(), "--summary", all.toString(), "--model.item-capacity", "128"},
                    JOB_SETTINGS));
            assertThat(whole.exitCode()).as(whole.err()).isZero();
            JsonNode a = JSON.readTree(all.toFile());
            assertThat(a.get("events_in").asLong()).isEqualTo(events.size());
            assertThat(a.get("intents_out").asLong()).isEqualTo(events.size());
            assertThat(a.get("input").asText()).startsWith("kafka:interactions");

            // The same output topics again: only this run's records count.
            Path later = dir.resolve("later.json");
            Run secondHalf = cli(with(new String[] {"replay", "--kafka-from", "timestamp:" + half,
                    "--bootstrap-servers", broker.bootstrapServers(), "--summary", later.toString(),
                    "--model.item-capacity", "128"}, JOB_SETTINGS));
            assertThat(secondHalf.exitCode()).as(secondHalf.err()).isZero();
            JsonNode b = JSON.readTree(later.toFile());
            assertThat(b.get("intents_out").asLong()).isEqualTo(events.size() - 100);
            assertThat(b.get("recommendations_out").asLong()).isEqualTo(events.size() - 100);
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void thenLiveReplaysTheFileThenReadsTheLiveTopicFromWhereItWasWhenTheReplayStarted(@TempDir Path dir)
            throws Exception {
        Path benchmark = writeBenchmark(dir.resolve("bench.txt"));
        List<InteractionEvent> fileEvents = BenchmarkInterleaving.read(benchmark, Integer.MAX_VALUE, 8);
        List<InteractionEvent> before = liveEvents("before-", 40, fileEvents.size());
        List<InteractionEvent> during = liveEvents("live-", 60, fileEvents.size() + before.size());
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(List.of("interactions"), 2);
            // On the topic before the replay starts: older than the live start, so never read.
            InputTopicWriter.write(broker.bootstrapServers(), "interactions", before, 0);

            Path summary = dir.resolve("live.json");
            CountDownLatch liveStartFixed = new CountDownLatch(1);
            StringWriter err = new StringWriter() {
                @Override
                public void write(String text, int offset, int length) {
                    super.write(text, offset, length);
                    if (toString().contains("Then live:")) {
                        liveStartFixed.countDown();
                    }
                }
            };
            CommandLine commandLine = IntentStreamCli.commandLine();
            commandLine.setOut(new PrintWriter(new StringWriter()));
            commandLine.setErr(new PrintWriter(err, true));
            String[] args = with(new String[] {"replay", "--data", benchmark.toString(), "--active-users", "8",
                    "--then-live", "--live-for", "PT5S", "--bootstrap-servers", broker.bootstrapServers(),
                    "--summary", summary.toString()}, JOB_SETTINGS);
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> commandLine.execute(args));

            assertThat(liveStartFixed.await(2, TimeUnit.MINUTES)).as("the live start was fixed: %s", err).isTrue();
            // Written while the file is replayed: the live part must read these after the file, once each.
            InputTopicWriter.write(broker.bootstrapServers(), "interactions", during, 0);
            assertThat(exit.get(3, TimeUnit.MINUTES)).as(err.toString()).isZero();

            JsonNode result = JSON.readTree(summary.toFile());
            assertThat(result.get("live_events").asLong()).isEqualTo(during.size());
            assertThat(result.get("events_in").asLong()).isEqualTo(fileEvents.size() + during.size());
            assertThat(result.get("intents_out").asLong()).isEqualTo(fileEvents.size() + during.size());
            assertThat(result.get("input").asText()).contains("then live kafka:interactions");

            OutputTally outputs = new OutputTally();
            try (OutputTopicReader reader = OutputTopicReader.start(broker.bootstrapServers(),
                    new OutputTopicReader.Topics("intents", "recommendations", "interactions-dead-letters"), outputs)) {
                assertThat(reader.awaitCaughtUp(java.time.Duration.ofMinutes(1))).isTrue();
            }
            List<String> expected = new ArrayList<>();
            fileEvents.forEach(e -> expected.add(e.eventId()));
            during.forEach(e -> expected.add(e.eventId()));
            assertThat(outputs.missing(expected)).as("file or live events without an intent (a gap)").isZero();
            assertThat(outputs.duplicated()).as("events answered twice (a duplicate at the switch)").isZero();
            assertThat(outputs.intents()).as("and nothing else: no event from before the replay")
                    .isEqualTo(expected.size());
        }
    }

    /** Events of the benchmark's users on its items, after the file's {@code offset} events in event time. */
    private static List<InteractionEvent> liveEvents(String prefix, int count, int offset) {
        List<InteractionEvent> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = offset + i;
            events.add(new InteractionEvent(prefix + i, "u-" + (1 + i % 60), "item-" + (1 + (i * 7) % 80),
                    PlantedIntentStream.START_MILLIS + n * PlantedIntentStream.EVENT_SPACING_MILLIS));
        }
        return events;
    }

    private static void sleepAMillisecond() {
        try {
            Thread.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void usageErrorsNameTheProblem(@TempDir Path dir) throws IOException {
        Path data = writeBenchmark(dir.resolve("bench.txt"));
        Run missing = cli("replay", "--data", dir.resolve("none.txt").toString());
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.err()).contains("--data file not found");
        Run epochs = cli("replay", "--data", data.toString(), "--epochs", "0");
        assertThat(epochs.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(epochs.err()).contains("epochs must be at least 1");
        Path avro = Files.write(dir.resolve("x.avro"), new byte[0]);
        Run holdout = cli("replay", "--data", avro.toString(), "--holdout");
        assertThat(holdout.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(holdout.err()).contains("needs per-user sequences");
        Run neither = cli("replay", "--epochs", "1");
        assertThat(neither.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(neither.err()).contains("one of them");
        Run noBroker = cli("replay", "--kafka-from", "earliest");
        assertThat(noBroker.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(noBroker.err()).contains("--bootstrap-servers");
        Run position = cli("replay", "--kafka-from", "yesterday", "--bootstrap-servers", "localhost:1");
        assertThat(position.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(position.err()).contains("is not a position");
        Run liveFor = cli("replay", "--data", data.toString(), "--live-for", "PT1M");
        assertThat(liveFor.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(liveFor.err()).contains("go with --then-live");
        Run liveEpochs = cli("replay", "--data", data.toString(), "--then-live", "--epochs", "2");
        assertThat(liveEpochs.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(liveEpochs.err()).contains("--epochs must be 1");
        Run model = cli("replay", "--data", data.toString(), "--init-model", dir.resolve("nothing").toString());
        assertThat(model.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(model.err()).contains("--init-model").contains("does not exist");
    }

    /** 60 users over items 1..80, 5..9 items each, users drawing near their own region of the catalogue. */
    private static Path writeBenchmark(Path file) throws IOException {
        SplittableRandom random = new SplittableRandom(5);
        StringBuilder text = new StringBuilder();
        for (int user = 1; user <= 60; user++) {
            java.util.LinkedHashSet<Integer> items = new java.util.LinkedHashSet<>();
            if (user <= 16) {
                for (int i = 0; i < 5; i++) {
                    items.add((user - 1) * 5 + i + 1); // together these name every item 1..80 once
                }
            }
            int length = 5 + random.nextInt(5);
            int base = random.nextInt(80);
            while (items.size() < length) {
                items.add(1 + (base + random.nextInt(10)) % 80);
            }
            text.append(user);
            items.forEach(item -> text.append(' ').append(item));
            text.append('\n');
        }
        return Files.writeString(file, text);
    }
}
