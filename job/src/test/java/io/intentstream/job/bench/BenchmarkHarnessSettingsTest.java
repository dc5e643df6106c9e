package io.intentstream.job.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.bench.StepBenchmark;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class BenchmarkHarnessSettingsTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(1);

    @Test
    void withoutSettingsTheStepIsTheDefaultPresetAtBeautysItems() {
        ElcRecConfig step = BenchmarkHarness.Settings.standard(new Configuration(), 100, TIMEOUT, TIMEOUT).stepConfig();
        ElcRecConfig preset = ElcRecConfig.preset(IntentStreamOptions.PRESET.defaultValue(), StepBenchmark.BEAUTY_ITEMS);

        assertThat(step.itemCount()).isEqualTo(StepBenchmark.BEAUTY_ITEMS);
        assertThat(step.hiddenSize()).isEqualTo(preset.hiddenSize());
        assertThat(step.layers()).isEqualTo(preset.layers());
        assertThat(step.clusters()).isEqualTo(preset.clusters());
        assertThat(step.lowPassWeight()).isEqualTo(preset.lowPassWeight());
        assertThat(step.maxSequenceLength()).isEqualTo(50);
        assertThat(step.device()).isEqualTo(Device.CPU);
    }

    @Test
    void theStepTimesTheModelTheJobSettingsDescribe() {
        Configuration options = IntentStreamOptions.fromArgs("--model.preset", "sports", "--model.hidden-size", "32",
                "--model.layers", "1", "--sequence.max-length", "20");

        ElcRecConfig standard = BenchmarkHarness.Settings.standard(options, 100, TIMEOUT, TIMEOUT).stepConfig();
        assertThat(standard.hiddenSize()).isEqualTo(32);
        assertThat(standard.layers()).isEqualTo(1);
        assertThat(standard.maxSequenceLength()).isEqualTo(20);
        assertThat(standard.clusters()).as("the sports preset's k").isEqualTo(512);
        assertThat(standard.itemCount()).isEqualTo(StepBenchmark.BEAUTY_ITEMS);

        ElcRecConfig quick = BenchmarkHarness.Settings.quick(options, TIMEOUT).stepConfig();
        assertThat(quick.hiddenSize()).isEqualTo(32);
        assertThat(quick.clusters()).as("quick's small k unless given").isEqualTo(16);
        assertThat(quick.itemCount()).isEqualTo(2_000);
    }
}
