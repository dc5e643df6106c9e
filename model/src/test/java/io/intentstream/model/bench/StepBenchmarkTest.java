package io.intentstream.model.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StepBenchmarkTest {

    private static final ElcRecConfig SMALL = ElcRecConfig.builder(300).maxSequenceLength(10).hiddenSize(16)
            .clusters(4).device(Device.CPU).build();

    @Test
    void everyModeTimesAtLeastTheRequestedStepsWithItsOwnFlopCount() {
        StepBenchmark.Settings settings = new StepBenchmark.Settings(SMALL, 32, 1, 3, Duration.ZERO);
        for (StepMode mode : StepMode.values()) {
            StepBenchmark.Result result = StepBenchmark.measure(mode, settings);
            assertThat(result.timings().runs()).as(mode.name()).isGreaterThanOrEqualTo(3);
            assertThat(result.sequencesPerSecond()).as(mode.name()).isPositive();
            double expectedFlops = switch (mode) {
                case INFERENCE -> StepFlops.inference(SMALL, 32, 300);
                case NEXT_ITEM -> StepFlops.nextItemStep(SMALL, 32, 32);
                case FULL -> StepFlops.fullStep(SMALL, 32, 32);
            };
            assertThat(result.timings().flopsPerRun()).isEqualTo(expectedFlops);
            assertThat(result.gflops()).isEqualTo(expectedFlops / result.timings().medianSeconds() / 1e9);
        }
    }

    @Test
    void matmulPeakCountsTwoNCubedPerProduct() {
        Timings timings = MatmulPeak.measure(128, 4, Duration.ZERO);
        assertThat(timings.runs()).isGreaterThanOrEqualTo(4);
        assertThat(timings.flopsPerRun()).isEqualTo(2.0 * 128 * 128 * 128);
        assertThat(timings.bestGflops()).isGreaterThanOrEqualTo(timings.gflops()).isPositive();
    }

    @Test
    void medianOfAnEvenNumberOfRunsAveragesTheMiddleTwo() {
        Timings timings = new Timings(new double[] {4, 1, 3, 2}, 8);
        assertThat(timings.medianSeconds()).isEqualTo(2.5);
        assertThat(timings.bestSeconds()).isEqualTo(1);
        assertThat(timings.gflops()).isEqualTo(8 / 2.5 / 1e9);
    }
}
