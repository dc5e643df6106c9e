package io.intentstream.model.offline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.intentstream.model.LossParts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OfflineOutputTest {

    @TempDir
    Path dir;

    private static final RankingMetrics REF = new RankingMetrics(0.5, 0.75, 0.25, 0.3, 4, 1, 0);
    private static final RankingMetrics STRICT = new RankingMetrics(0.6, 0.8, 0.35, 0.4, 4, 0, 0);
    private static final LossParts LOSS = new LossParts(1.5f, 1.0f, 0.25f, 0.125f, 0.125f);

    @Test
    void validationRecordUsesMetricNamesAndSnakeCaseKeys() throws IOException {
        ValidationRecord v = ValidationRecord.of(3, new ProtocolMetrics(REF, STRICT), LOSS, 1.25, true);
        JsonNode json = OfflineJson.mapper().readTree(OfflineJson.toJson(v));
        assertThat(json.get("epoch").asInt()).isEqualTo(3);
        assertThat(json.get("hr@5").asDouble()).isEqualTo(0.5);
        assertThat(json.get("hr@20").asDouble()).isEqualTo(0.75);
        assertThat(json.get("ndcg@5").asDouble()).isEqualTo(0.25);
        assertThat(json.get("ndcg@20").asDouble()).isEqualTo(0.3);
        assertThat(json.get("strict_protocol").get("ndcg@20").asDouble()).isEqualTo(0.4);
        assertThat(json.get("reference_protocol").get("tied_targets").asInt()).isEqualTo(1);
        assertThat(json.get("loss").get("next_item").asDouble()).isEqualTo(1.0);
        assertThat(json.get("loss").get("sequence_contrast").asDouble()).isEqualTo(0.25);
        assertThat(json.get("eval_seconds").asDouble()).isEqualTo(1.25);
        assertThat(json.get("improved").asBoolean()).isTrue();
    }

    @Test
    void trainingStopsWhenTheModelDiverges() {
        EpochRecord healthy = new EpochRecord(1, 1, 1, 100, 4, 1, LOSS);
        EpochRecord allSkipped = new EpochRecord(2, 1, 1, 100, 4, 4, LOSS);
        RankingMetrics nan = new RankingMetrics(0, 0, 0, 0, 4, 0, 4);
        ValidationRecord nanValidation = ValidationRecord.of(1, new ProtocolMetrics(nan, nan), LOSS, 1, false);
        ValidationRecord fine = ValidationRecord.of(1, new ProtocolMetrics(REF, STRICT), LOSS, 1, true);
        assertThat(OfflineTrainer.diverged(healthy, null)).isFalse();
        assertThat(OfflineTrainer.diverged(healthy, fine)).isFalse();
        assertThat(OfflineTrainer.diverged(allSkipped, null)).isTrue();
        assertThat(OfflineTrainer.diverged(healthy, nanValidation)).isTrue();
    }

    @Test
    void atomicWriteReplacesTheFileAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("results.json");
        OfflineJson.write(file, new ProtocolMetrics(REF, STRICT));
        OfflineJson.write(file, new ProtocolMetrics(STRICT, REF));
        JsonNode json = OfflineJson.mapper().readTree(file.toFile());
        assertThat(json.get("reference_protocol").get("hr@5").asDouble()).isEqualTo(0.6);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("results.json");
        }
        // Readable by others (the lead plots running results), unlike a temporary file's owner-only mode.
        assertThat(Files.getPosixFilePermissions(file)).contains(PosixFilePermission.OTHERS_READ);
    }

    @Test
    void plotIsAPngWithTwoPanelsEvenBeforeTheFirstValidation() throws IOException {
        Path png = dir.resolve("training.png");
        TrainingPlot.write(png, List.of(new EpochRecord(1, 2.0, 3.0, 100, 4, 0, LOSS)), List.of(), List.of());
        BufferedImage first = ImageIO.read(png.toFile());
        assertThat(first.getWidth()).isGreaterThan(first.getHeight());

        List<EpochRecord> epochs = List.of(new EpochRecord(1, 2.0, 3.0, 100, 4, 0, LOSS),
                new EpochRecord(2, 2.0, 3.0, 100, 4, 4, new LossParts(Float.NaN, Float.NaN, Float.NaN, Float.NaN,
                        Float.NaN)),
                new EpochRecord(3, 2.0, 3.0, 100, 4, 0, LOSS));
        List<ValidationRecord> valid = List.of(
                ValidationRecord.of(1, new ProtocolMetrics(REF, STRICT), LOSS, 1, true),
                ValidationRecord.of(3, new ProtocolMetrics(STRICT, REF), LOSS, 1, true));
        TrainingPlot.write(png, epochs, valid, List.of());
        BufferedImage plain = ImageIO.read(png.toFile());
        assertThat(plain.getWidth()).isEqualTo(first.getWidth());

        TrainingPlot.write(png, epochs, valid, List.of(new LearningRateDrop(2, 1, 1e-4f)));
        BufferedImage marked = ImageIO.read(png.toFile());
        assertThat(differingPixels(plain, marked)).as("the decay's line and label").isGreaterThan(100);
    }

    private static int differingPixels(BufferedImage a, BufferedImage b) {
        int differing = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                if (a.getRGB(x, y) != b.getRGB(x, y)) {
                    differing++;
                }
            }
        }
        return differing;
    }

    @Test
    void processCpuTimeIsMeasuredAndGrowsWithWork() {
        double before = ProcessResources.cpuSeconds();
        double sink = 0;
        for (int i = 0; i < 20_000_000; i++) {
            sink += Math.sqrt(i);
        }
        assertThat(sink).isPositive();
        assertThat(ProcessResources.cpuSeconds()).isGreaterThan(before);
    }

    @Test
    void peakResidentMemoryIsReadFromVmHwm() {
        assertThat(ProcessResources.parseVmHwmMb(List.of("VmPeak:\t 2048 kB", "VmHWM:\t   524288 kB", "VmRSS: 1 kB")))
                .hasValue(512.0);
        assertThat(ProcessResources.parseVmHwmMb(List.of("Name: java"))).isEmpty();
        if (Files.isReadable(Path.of("/proc/self/status"))) {
            assertThat(ProcessResources.peakResidentMb().getAsDouble()).isGreaterThan(1.0);
        }
    }
}
