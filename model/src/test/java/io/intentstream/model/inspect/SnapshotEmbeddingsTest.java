package io.intentstream.model.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.ElcRecModel;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.offline.BenchmarkDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SnapshotEmbeddingsTest {

    private static final ElcRecConfig CONFIG = ElcRecConfig.builder(40).maxSequenceLength(8).hiddenSize(8)
            .clusters(3).device(Device.CPU).build();

    private static BenchmarkDataset data(int users, int items) {
        SplittableRandom random = new SplittableRandom(3);
        List<int[]> sequences = new ArrayList<>();
        for (int u = 0; u < users; u++) {
            int[] s = new int[5 + random.nextInt(6)];
            for (int i = 0; i < s.length; i++) {
                s[i] = 1 + random.nextInt(items);
            }
            sequences.add(s);
        }
        return BenchmarkDataset.of("test", sequences);
    }

    @Test
    void sampledUsersGetTheModelsPooledEmbeddingsAndNearestCentres() {
        BenchmarkDataset data = data(30, 40);
        ModelSnapshot snapshot;
        float[][] centres;
        try (ElcRecModel model = ElcRecModel.create(CONFIG)) {
            model.initialiseCentres(data.trainingInputs(8));
            snapshot = model.snapshot();
            centres = model.centres();
        }
        SnapshotEmbeddings.Sample sample = SnapshotEmbeddings.sample(snapshot, data, 10, 7);

        assertThat(sample.centres()).isDeepEqualTo(centres);
        assertThat(sample.embeddings()).hasNumberOfRows(10);
        assertThat(sample.embeddings()[0]).hasSize(8);
        assertThat(sample.clusters()).hasSize(10);
        assertThat(java.util.Arrays.stream(sample.clusters()).allMatch(c -> c >= 0 && c < 3)).isTrue();
        // The same seed samples the same users, so the same embeddings.
        assertThat(SnapshotEmbeddings.sample(snapshot, data, 10, 7).embeddings()).isDeepEqualTo(sample.embeddings());
    }

    @Test
    void refusesDataWithItemsBeyondTheSnapshotsTable() {
        ModelSnapshot snapshot;
        try (ElcRecModel model = ElcRecModel.create(CONFIG)) {
            snapshot = model.snapshot();
        }
        assertThatThrownBy(() -> SnapshotEmbeddings.sample(snapshot, data(5, 60), 5, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds 40");
    }

    @Test
    void sampleIndicesAreDistinctAndWithinRange() {
        int[] chosen = SnapshotEmbeddings.sampleIndices(50, 20, 9);
        assertThat(chosen).hasSize(20).doesNotHaveDuplicates();
        assertThat(chosen[0]).isGreaterThanOrEqualTo(0);
        assertThat(chosen[19]).isLessThan(50);
        assertThat(SnapshotEmbeddings.sampleIndices(5, 5, 9)).containsExactly(0, 1, 2, 3, 4);
    }
}
