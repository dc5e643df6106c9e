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
        BenchmarkHarness.Settings standard = BenchmarkHarness.Settings.standard(new Configuration(), 100, TIMEOUT,
                TIMEOUT);
        ElcRecConfig step = standard.stepConfig();
        ElcRecConfig preset =
                ElcRecConfig.preset(IntentStreamOptions.PRESET.defaultValue(), StepBenchmark.BEAUTY_ITEMS);

        assertThat(step.itemCount()).isEqualTo(StepBenchmark.BEAUTY_ITEMS);
        assertThat(step.hiddenSize()).isEqualTo(preset.hiddenSize());
        assertThat(step.layers()).isEqualTo(preset.layers());
        assertThat(step.clusters()).isEqualTo(preset.clusters());
        assertThat(step.lowPassWeight()).isEqualTo(preset.lowPassWeight());
        assertThat(step.maxSequenceLength()).isEqualTo(preset.maxSequenceLength());
        assertThat(step.device()).isEqualTo(Device.CPU);
        assertThat(standard.stepBatch()).as("the job's default batch").isEqualTo(256);
    }

    @Test
    void theStepTimesTheModelTheJobSettingsDescribe() {
        Configuration options = IntentStreamOptions.fromArgs("--model.preset", "sports", "--model.hidden-size", "32",
                "--model.layers", "1", "--sequence.max-length", "20", "--training.batch-size", "128");

        BenchmarkHarness.Settings standardSettings = BenchmarkHarness.Settings.standard(options, 100, TIMEOUT, TIMEOUT);
        assertThat(standardSettings.stepBatch()).isEqualTo(128);
        ElcRecConfig standard = standardSettings.stepConfig();
        assertThat(standard.hiddenSize()).isEqualTo(32);
        assertThat(standard.layers()).isEqualTo(1);
        assertThat(standard.maxSequenceLength()).isEqualTo(20);
        assertThat(standard.clusters()).as("the sports preset's k").isEqualTo(512);
        assertThat(standard.itemCount()).isEqualTo(StepBenchmark.BEAUTY_ITEMS);

        BenchmarkHarness.Settings quickSettings = BenchmarkHarness.Settings.quick(options, TIMEOUT);
        assertThat(quickSettings.stepBatch()).isEqualTo(128);
        assertThat(BenchmarkHarness.Settings.quick(new Configuration(), TIMEOUT).stepBatch())
                .as("quick's small batch unless given").isEqualTo(64);
        ElcRecConfig quick = quickSettings.stepConfig();
        assertThat(quick.hiddenSize()).isEqualTo(32);
        assertThat(quick.clusters()).as("quick's small k unless given").isEqualTo(16);
        assertThat(quick.itemCount()).isEqualTo(2_000);
    }
}
