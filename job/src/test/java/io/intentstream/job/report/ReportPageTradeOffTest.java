package io.intentstream.job.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReportPageTradeOffTest {

    private static final String CURVE = """
            {"knob": "training.fraction", "events": 20000, "data": "/data/Beauty.txt",
             "points": [
               {"training.fraction": 0.0, "events_per_second": 1066.8, "prequential_ndcg10": 0.0003,
                "prequential_hr10": 0.0007, "trained_events": 0, "load_average_after": [8.04, 7.0, 5.6]},
               {"training.fraction": 1.0, "events_per_second": 204.2, "prequential_ndcg10": 0.0123,
                "prequential_hr10": 0.0250, "trained_events": 18000, "load_average_after": [6.1, 6.0, 5.0]}]}
            """;

    @Test
    void aTradeOffCurveGetsItsThroughputAndQualityChartsAndATable() throws Exception {
        JsonNode curve = new ObjectMapper().readTree(CURVE);
        ReportPage page = new ReportPage("curve").benchmark(curve);

        assertThat(page.chartIds()).containsExactly("tradeoff-training-fraction-rate",
                "tradeoff-training-fraction-quality");
        String html = page.html();
        assertThat(html).contains("Trade-off: training.fraction")
                .contains("<td>1.0</td><td>204.2</td><td>0.0123</td><td>0.0250</td><td>18000</td><td>6.10</td>")
                .contains("Prequential quality against training.fraction");
        // Not the harness's charts: a curve has no matmul peak or latency phases.
        assertThat(page.chartIds()).doesNotContain("bench-gflops", "bench-latency");
    }
}
