package io.intentstream.job.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.intentstream.job.cli.IntentStreamCli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code intent-stream bench --quick} through the command line: the harness runs every part (matmul, three step
 * modes, the job on an embedded broker at two loads) and writes the JSON fields of the automation contract with
 * values that are consistent with each other.
 */
class BenchCommandQuickITCase {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void quickBenchWritesTheContractFieldsWithConsistentNumbers(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("bench.json");
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        CommandLine cli = IntentStreamCli.commandLine();
        cli.setOut(new PrintWriter(stdout));
        cli.setErr(new PrintWriter(stderr));
        int code = cli.execute("bench", "--quick", "--out", out.toString(), "--timeout", "PT2M",
                "--sequence.max-length", "20", "--model.hidden-size", "16", "--model.device", "CPU");
        assertThat(code).as(stderr.toString()).isZero();

        JsonNode r = JSON.readTree(out.toFile());
        assertThat(r.get("quick").asBoolean()).isTrue();
        assertThat(r.get("matmul_gflops").asDouble()).isPositive();
        for (String mode : new String[] {"inference", "next_item", "full"}) {
            JsonNode step = r.get("step").get(mode);
            assertThat(step.get("sequences_per_second").asDouble()).as(mode).isPositive();
            assertThat(step.get("gflops").asDouble()).as(mode).isPositive();
            // sequences/s and GFLOP/s come from the same median step time.
            assertThat(step.get("gflops").asDouble()).as(mode).isCloseTo(
                    step.get("gflop_per_step").asDouble() / (step.get("median_ms").asDouble() / 1e3),
                    org.assertj.core.data.Percentage.withPercentage(0.1));
        }
        // The full objective does strictly more work than the next-item loss alone.
        assertThat(r.get("step").get("full").get("gflop_per_step").asDouble())
                .isGreaterThan(r.get("step").get("next_item").get("gflop_per_step").asDouble());

        double sustained = r.get("e2e_events_per_second").asDouble();
        assertThat(sustained).isPositive();
        JsonNode loads = r.get("e2e").get("loads");
        assertThat(loads).hasSize(2);
        for (JsonNode load : loads) {
            // Every event written in a phase was answered and timed.
            assertThat(load.get("events").asInt()).isEqualTo(
                    (int) Math.max(1, Math.round(load.get("target_events_per_second").asDouble() * 4)));
            assertThat(load.get("target_events_per_second").asDouble())
                    .isCloseTo(load.get("load_fraction").asDouble() * sustained,
                            org.assertj.core.data.Percentage.withPercentage(0.01));
            assertThat(load.get("p50").asDouble()).isPositive().isLessThanOrEqualTo(load.get("p99").asDouble());
            assertThat(load.get("p99").asDouble()).isLessThanOrEqualTo(load.get("max").asDouble());
            // INLINE scoring (the default) trains on every event it answers.
            assertThat(load.get("trained_share").asDouble()).isEqualTo(1.0);
        }
        assertThat(r.get("e2e").get("scoring_mode").asText()).isEqualTo("INLINE");
        assertThat(r.get("e2e").get("backlog_trained_share").asDouble()).isEqualTo(1.0);
        assertThat(r.get("latency_ms").get("p50").asDouble()).isEqualTo(loads.get(0).get("p50").asDouble());
        assertThat(r.get("latency_ms").get("p99").asDouble()).isEqualTo(loads.get(0).get("p99").asDouble());
        assertThat(r.get("e2e").get("delivery_guarantee").asText()).isEqualTo("AT_LEAST_ONCE");

        JsonNode ratios = r.get("ratios");
        assertThat(ratios.get("full_step_vs_peak").asDouble())
                .isEqualTo(r.get("step").get("full").get("gflops").asDouble() / r.get("matmul_gflops").asDouble());
        assertThat(ratios.get("e2e_vs_step").asDouble()).isEqualTo(
                sustained / r.get("step").get("full").get("sequences_per_second").asDouble());
        // The full step's products timed alone at their shapes: their summed time gives the products' rate.
        JsonNode products = r.get("step_products");
        assertThat(products.size()).isGreaterThan(10);
        double flops = 0;
        double millis = 0;
        for (JsonNode p : products) {
            double perProduct = 2.0 * p.get("batch").asLong() * p.get("m").asLong() * p.get("k").asLong()
                    * p.get("n").asLong();
            flops += p.get("per_step").asInt() * perProduct;
            millis += p.get("ms_per_step").asDouble();
            assertThat(p.get("gflops").asDouble()).as(p.get("name").asText()).isPositive();
        }
        assertThat(r.get("step_products_ms").asDouble()).isCloseTo(millis, Percentage.withPercentage(1e-6));
        assertThat(r.get("step_products_gflops").asDouble())
                .isCloseTo(flops / (millis / 1e3) / 1e9, Percentage.withPercentage(1e-6));
        assertThat(ratios.get("step_products_vs_peak").asDouble()).isEqualTo(
                r.get("step_products_gflops").asDouble() / r.get("matmul_gflops").asDouble());
        assertThat(stdout.toString()).contains("Results written to");
    }
}
