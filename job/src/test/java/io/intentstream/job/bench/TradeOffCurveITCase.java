package io.intentstream.job.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.intentstream.job.cli.IntentStreamCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bench --training-fractions} and {@code --batch-sizes} through the command line on a small benchmark file
 * and a tiny model: one replay per value, every event answered, the knob visibly applied, JSON and PNG written.
 */
class TradeOffCurveITCase {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EVENTS = 400;
    private static final String[] TINY_MODEL = {
        "--sequence.max-length", "6", "--model.hidden-size", "16", "--model.layers", "1", "--model.clusters", "4",
        "--model.device", "CPU", "--training.centre-warm-up", "32",
        "--recommend.top-n", "5", "--checkpointing.interval", "1 s"};

    /** Users of 5..10 items, each near one region of 1..items, so there is something to learn. */
    private static Path benchmarkFile(Path file, int users, int items) throws IOException {
        SplittableRandom random = new SplittableRandom(3);
        StringBuilder text = new StringBuilder();
        for (int user = 1; user <= users; user++) {
            int base = random.nextInt(items);
            java.util.LinkedHashSet<Integer> sequence = new java.util.LinkedHashSet<>();
            int length = 5 + random.nextInt(6);
            while (sequence.size() < length) {
                sequence.add(1 + (base + random.nextInt(12)) % items);
            }
            text.append(user);
            sequence.forEach(item -> text.append(' ').append(item));
            text.append('\n');
        }
        return Files.writeString(file, text);
    }

    private static JsonNode bench(Path out, Path data, String... curve) {
        List<String> args = new ArrayList<>(List.of("bench", "--out", out.toString(), "--data", data.toString(),
                "--events", Integer.toString(EVENTS), "--active-users", "16", "--timeout", "PT2M"));
        args.addAll(List.of(curve));
        args.addAll(List.of(TINY_MODEL));
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        CommandLine cli = IntentStreamCli.commandLine();
        cli.setOut(new PrintWriter(stdout));
        cli.setErr(new PrintWriter(stderr));
        int code = cli.execute(args.toArray(String[]::new));
        assertThat(code).as(stderr.toString()).isZero();
        try {
            return JSON.readTree(out.toFile());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void trainingFractionCurveAnswersEveryEventAndTrainsOnTheChosenShare(@TempDir Path dir) throws Exception {
        Path data = benchmarkFile(dir.resolve("small.txt"), 120, 300);
        Path out = dir.resolve("fractions.json");
        JsonNode r = bench(out, data, "--training-fractions", "0,0.5,1,0.5", "--training.batch-size", "32");

        assertThat(r.get("knob").asText()).isEqualTo("training.fraction");
        JsonNode points = r.get("points");
        assertThat(points).hasSize(4);
        long prequentialScored = points.get(0).get("prequential_scored").asLong();
        for (JsonNode p : points) {
            assertThat(p.get("events").asLong()).isEqualTo(EVENTS);
            assertThat(p.get("trained_events").asLong() + p.get("scored_only_events").asLong()).isEqualTo(EVENTS);
            assertThat(p.get("events_per_second").asDouble()).isPositive();
            // The same events are tested before training at every fraction (the sample depends on ids only).
            assertThat(p.get("prequential_scored").asLong()).isEqualTo(prequentialScored).isPositive();
        }
        JsonNode none = points.get(0);
        JsonNode half = points.get(1);
        JsonNode all = points.get(2);
        assertThat(none.get("training.fraction").asDouble()).isZero();
        assertThat(none.get("trained_events").asLong()).isZero();
        assertThat(none.get("train_steps").asLong()).isZero();
        assertThat(none.get("final_model_version").asLong()).isZero();
        assertThat(all.get("final_model_version").asLong()).isEqualTo(all.get("train_steps").asLong()).isPositive();
        double share = (double) half.get("trained_events").asLong() / all.get("trained_events").asLong();
        assertThat(share).isBetween(0.35, 0.65);
        // Batches cut by size only: the same fraction over the same input trains the same model, bit for bit.
        assertThat(points.get(3).get("final_model_checksum").asText())
                .isEqualTo(half.get("final_model_checksum").asText());
        assertThat(points.get(3).get("trained_events").asLong()).isEqualTo(half.get("trained_events").asLong());

        BufferedImage png = ImageIO.read(dir.resolve("fractions.png").toFile());
        assertThat(png).isNotNull();
        assertThat(png.getWidth()).isEqualTo(1280);
        assertThat(r.get("plot").asText()).isEqualTo(dir.resolve("fractions.png").toAbsolutePath().toString());
    }

    @Test
    void aCurveRejectsSettingsItOwnsAndMissingInputsWithAUsageError(@TempDir Path dir) throws Exception {
        Path data = benchmarkFile(dir.resolve("small.txt"), 10, 30);
        Path out = dir.resolve("x.json");
        assertUsageError("a curve replays a benchmark file: give --data FILE",
                "bench", "--out", out.toString(), "--training-fractions", "0,1");
        assertUsageError("give one curve at a time", "bench", "--out", out.toString(), "--data", data.toString(),
                "--training-fractions", "0,1", "--batch-sizes", "16,32");
        assertUsageError("Option training.fraction must be between 0 and 1, got 2.0", "bench", "--out",
                out.toString(), "--data", data.toString(), "--training-fractions", "0,2");
        assertUsageError("give the snapshot with --init-model", "bench", "--out", out.toString(), "--data",
                data.toString(), "--training-fractions", "0,1", "--model.init-path", dir.toString());
        assertUsageError("--init-model " + dir.resolve("none") + " does not exist", "bench", "--out", out.toString(),
                "--data", data.toString(), "--training-fractions", "0,1",
                "--init-model", dir.resolve("none").toString());
        assertThat(out).doesNotExist();
    }

    private static void assertUsageError(String message, String... args) {
        StringWriter stderr = new StringWriter();
        CommandLine cli = IntentStreamCli.commandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(stderr));
        int code = cli.execute(args);
        assertThat(code).as(stderr.toString()).isNotZero();
        assertThat(stderr.toString()).contains(message);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void batchSizeCurveCutsTheStreamIntoThatManySteps(@TempDir Path dir) throws Exception {
        Path data = benchmarkFile(dir.resolve("small.txt"), 120, 300);
        JsonNode r = bench(dir.resolve("batches.json"), data, "--batch-sizes", "16,64");

        assertThat(r.get("knob").asText()).isEqualTo("training.batch-size");
        JsonNode points = r.get("points");
        assertThat(points).hasSize(2);
        // Batches are cut by size only (the curve's default wait): 400 events make 25 batches of 16 and 7 of 64
        // (the first few of which may have nothing to train on yet, when no event in them has a history).
        assertThat(points.get(0).get("train_steps").asLong()).isBetween(22L, 25L);
        assertThat(points.get(1).get("train_steps").asLong()).isBetween(6L, 7L);
        for (JsonNode p : points) {
            assertThat(p.get("trained_events").asLong() + p.get("scored_only_events").asLong()).isEqualTo(EVENTS);
        }
    }
}
