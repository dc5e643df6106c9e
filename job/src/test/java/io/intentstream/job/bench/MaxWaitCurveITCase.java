package io.intentstream.job.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.intentstream.job.cli.IntentStreamCli;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code intent-stream bench --quick --max-waits ...} through the command line: one end-to-end run per max wait,
 * all paced at the same input rates, every event answered, JSON and a PNG plot written.
 */
class MaxWaitCurveITCase {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void everyMaxWaitIsMeasuredAtTheSameInputRatesAndPlotted(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("max-wait.json");
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        CommandLine cli = IntentStreamCli.commandLine();
        cli.setOut(new PrintWriter(stdout));
        cli.setErr(new PrintWriter(stderr));
        int code = cli.execute("bench", "--quick", "--max-waits", "PT0.03S,PT0.3S", "--out", out.toString(),
                "--timeout", "PT2M", "--sequence.max-length", "20", "--model.hidden-size", "16",
                "--model.device", "CPU");
        assertThat(code).as(stderr.toString()).isZero();

        JsonNode r = JSON.readTree(out.toFile());
        assertThat(r.get("knob").asText()).isEqualTo("training.max-wait");
        JsonNode points = r.get("points");
        assertThat(points).hasSize(2);
        assertThat(points.get(0).get("max_wait_ms").asLong()).isEqualTo(30);
        assertThat(points.get(1).get("max_wait_ms").asLong()).isEqualTo(300);
        double reference = r.get("reference_events_per_second").asDouble();
        // The first point's own sustained rate is the reference for every point.
        assertThat(reference).isEqualTo(points.get(0).get("sustained_events_per_second").asDouble()).isPositive();
        for (JsonNode point : points) {
            JsonNode loads = point.get("loads");
            assertThat(loads).hasSize(2);
            for (JsonNode load : loads) {
                double fraction = load.get("load_fraction").asDouble();
                assertThat(load.get("target_events_per_second").asDouble())
                        .isCloseTo(fraction * reference, Percentage.withPercentage(0.01));
                // Every event written in the 4-second phase was answered and timed.
                assertThat(load.get("events").asInt()).isEqualTo((int) Math.round(fraction * reference * 4));
                assertThat(load.get("p50").asDouble()).isPositive().isLessThanOrEqualTo(load.get("p99").asDouble());
                // The two parts of the latency each stay below the whole.
                assertThat(load.get("event_to_flush_p50").asDouble()).isLessThanOrEqualTo(load.get("max").asDouble());
                assertThat(load.get("flush_to_arrival_p50").asDouble())
                        .isLessThanOrEqualTo(load.get("max").asDouble());
            }
        }
        BufferedImage png = ImageIO.read(Path.of(r.get("plot").asText()).toFile());
        // One 640x420 chart per load fraction, side by side.
        assertThat(png.getWidth()).isEqualTo(1280);
        assertThat(png.getHeight()).isEqualTo(420);
        assertThat(stdout.toString()).contains("Results written to").contains("plot to");
    }
}
