package io.intentstream.job.replay;

import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.ElcRecModel;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.SequenceBatch;
import io.intentstream.model.export.ModelExport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelExporterTest {

    @Test
    void exportsOncePerIntervalAndNeverTheSameVersionTwice(@TempDir Path dir) {
        ElcRecConfig config = ElcRecConfig.builder(10).maxSequenceLength(4).hiddenSize(8).heads(2).layers(1)
                .clusters(2).device(Device.CPU).build();
        byte[] first;
        byte[] second;
        try (ElcRecModel model = ElcRecModel.create(config)) {
            SequenceBatch batch = new SequenceBatch(new int[][] {{0, 1, 2, 3}, {0, 0, 4, 5}},
                    new int[][] {{0, 2, 3, 4}, {0, 0, 5, 6}}, 10);
            model.trainStep(batch);
            first = model.snapshot().toBytes();
            model.trainStep(batch);
            second = model.snapshot().toBytes();
        }
        ModelExporter exporter = new ModelExporter(dir.toString(), Duration.ofSeconds(10), 3);
        assertThat(exporter.due(1_000)).isFalse(); // the interval counts from the first look
        assertThat(exporter.due(10_999)).isFalse();
        assertThat(exporter.due(11_000)).isTrue();

        assertThat(exporter.export(first, Map.of("loss", 1.0), 11_000)).isNotNull();
        assertThat(exporter.due(20_999)).isFalse();
        assertThat(exporter.export(first, Map.of(), 21_000)).isNull(); // nothing trained since
        assertThat(exporter.export(second, Map.of(), 31_000)).isNotNull();
        assertThat(new ModelExport(dir, 3).snapshots()).hasSize(2);
        assertThat(ModelExport.load(dir).snapshot()).isEqualTo(ModelSnapshot.fromBytes(second));

        ModelExporter atEndOnly = new ModelExporter(dir.resolve("end").toString(), null, 1);
        assertThat(atEndOnly.due(Long.MAX_VALUE)).isFalse();
        assertThatThrownBy(() -> new ModelExporter(dir.toString(), Duration.ZERO, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ModelExporter(dir.toString(), null, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
