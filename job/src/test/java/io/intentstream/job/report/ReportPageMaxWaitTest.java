package io.intentstream.job.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReportPageMaxWaitTest {

    private static final String CURVE = """
            {"knob": "training.max-wait", "batch_size": 256, "reference_events_per_second": 580.0, "points": [
              {"max_wait_ms": 20, "sustained_events_per_second": 580.0, "loads": [
                {"load_fraction": 0.5, "input_events_per_second": 290.1, "p50": 310, "p99": 720},
                {"load_fraction": 0.9, "input_events_per_second": 521.9, "p50": 2500, "p99": 4100}]},
              {"max_wait_ms": 200, "sustained_events_per_second": 578.0, "loads": [
                {"load_fraction": 0.5, "input_events_per_second": 290.0, "p50": 1268, "p99": 1955},
                {"load_fraction": 0.9, "input_events_per_second": 522.0, "p50": 10046, "p99": 15137}]}]}
            """;

    @Test
    void aMaxWaitCurveGetsOneLatencyChartWithAPercentileSeriesPerLoadAndATable() throws Exception {
        JsonNode curve = new ObjectMapper().readTree(CURVE);
        ReportPage page = new ReportPage("curve").benchmark(curve);

        assertThat(page.chartIds()).containsExactly("max-wait-latency");
        String html = page.html();
        assertThat(html).contains("Latency against training.max-wait")
                .contains("loads as fractions of 580.0 events/s")
                .contains("<tr><td>200</td><td>578.0</td><td>90%</td><td>522.0</td><td>10046</td><td>15137</td></tr>")
                .contains("p99 at 50%").contains("p50 at 90%");
        // Not a training-fraction trade-off: no throughput or quality chart.
        assertThat(page.chartIds()).doesNotContain("tradeoff-training.max-wait-rate", "bench-gflops");
    }
}
