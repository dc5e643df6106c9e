package io.intentstream.job.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.junit.jupiter.api.Test;

class GpuSelectionTest {

    /** What Flink's GPU driver hands a task: one info per discovered device, its CUDA index as "index". */
    private record Gpu(Map<String, String> properties) implements ExternalResourceInfo {
        static Gpu index(String index) {
            return new Gpu(Map.of("index", index));
        }

        @Override
        public Optional<String> getProperty(String key) {
            return Optional.ofNullable(properties.get(key));
        }

        @Override
        public Collection<String> getKeys() {
            return properties.keySet();
        }
    }

    @Test
    void takesTheIndexOfTheGpuFlinkAssignedAndTheLowestOfSeveral() {
        assertThat(GpuSelection.gpuIndex(List.of(Gpu.index("3")))).isEqualTo(3);
        assertThat(GpuSelection.gpuIndex(List.of(Gpu.index("2"), Gpu.index("1")))).isEqualTo(1);
    }

    @Test
    void withoutTheExternalResourceItIsDeviceZero() {
        assertThat(GpuSelection.gpuIndex(List.of())).isZero();
    }

    @Test
    void aGpuWithoutAUsableIndexIsAConfigurationErrorNotASilentDeviceZero() {
        assertThatThrownBy(() -> GpuSelection.gpuIndex(List.of(new Gpu(Map.of("uuid", "GPU-1")))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index");
        assertThatThrownBy(() -> GpuSelection.gpuIndex(List.of(Gpu.index("first"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("first");
        assertThatThrownBy(() -> GpuSelection.gpuIndex(List.of(Gpu.index("-1"))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
