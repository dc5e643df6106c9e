package io.intentstream.model.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.ElcRecModel;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.SequenceBatch;
import io.intentstream.model.catalog.ItemIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelExportTest {

    private static final int ITEMS = 30;
    private static final int LENGTH = 8;

    private static ModelSnapshot trained;
    private static ModelSnapshot trainedFurther;

    @BeforeAll
    static void trainATinyModel() {
        ElcRecConfig config = ElcRecConfig.builder(ITEMS).maxSequenceLength(LENGTH).hiddenSize(16).heads(2).layers(1)
                .clusters(4).device(Device.CPU).seed(3L).build();
        try (ElcRecModel model = ElcRecModel.create(config)) {
            model.initialiseCentres(batch(1).inputs());
            model.trainStep(batch(2));
            trained = model.snapshot().withItemIndex(BenchmarkItems.identityIndex(ITEMS).toBytes());
            model.trainStep(batch(3));
            trainedFurther = model.snapshot();
        }
    }

    private static SequenceBatch batch(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] inputs = new int[16][LENGTH];
        int[][] targets = new int[16][LENGTH];
        for (int b = 0; b < 16; b++) {
            for (int t = 2; t < LENGTH; t++) {
                inputs[b][t] = 1 + random.nextInt(ITEMS);
                targets[b][t] = 1 + random.nextInt(ITEMS);
            }
        }
        return new SequenceBatch(inputs, targets, ITEMS);
    }

    @Test
    void exportedSnapshotLoadsBitExactAndContinuesAsTheOriginal(@TempDir Path dir) {
        ModelExport export = new ModelExport(dir, 3);
        Path written = export.write(trained, "stream", Map.of("loss", 1.5, "nan_is_dropped", Double.NaN));

        ModelExport.Loaded loaded = ModelExport.load(dir);
        assertThat(loaded.path()).isEqualTo(written);
        assertThat(loaded.snapshot()).isEqualTo(trained);
        assertThat(loaded.snapshot().checksum()).isEqualTo(trained.checksum());
        assertThat(loaded.snapshot().toBytes()).isEqualTo(trained.toBytes());
        SnapshotManifest manifest = loaded.manifest();
        assertThat(manifest.modelVersion()).isEqualTo(trained.version());
        assertThat(manifest.checksum()).isEqualTo(Long.toHexString(trained.checksum()));
        assertThat(manifest.itemIndexSize()).isEqualTo(ITEMS);
        assertThat(manifest.producer()).isEqualTo("stream");
        assertThat(manifest.metrics()).containsExactly(Map.entry("loss", 1.5));
        assertThat(manifest.config()).containsEntry("item_count", ITEMS).containsEntry("clusters", 4);
        assertThat(Instant.parse(manifest.createdAt())).isBeforeOrEqualTo(Instant.now());

        // The restored model takes the next step exactly as the original did.
        try (ElcRecModel restored = ElcRecModel.restore(loaded.snapshot())) {
            restored.trainStep(batch(3));
            assertThat(restored.snapshot().checksum()).isEqualTo(trainedFurther.checksum());
        }
    }

    @Test
    void loadsOneSnapshotDirectoryAndABareSnapshotFile(@TempDir Path dir) throws IOException {
        ModelExport export = new ModelExport(dir.resolve("export"), 5);
        Path first = export.write(trained, "train", Map.of());
        export.write(trainedFurther, "stream", Map.of());
        assertThat(ModelExport.load(first).snapshot()).isEqualTo(trained);
        assertThat(ModelExport.load(dir.resolve("export")).snapshot()).isEqualTo(trainedFurther);

        Path bare = Files.write(dir.resolve("best-model.bin"), trainedFurther.toBytes());
        ModelExport.Loaded loaded = ModelExport.load(bare);
        assertThat(loaded.snapshot()).isEqualTo(trainedFurther);
        assertThat(loaded.manifest()).isNull();
    }

    @Test
    void keepsOnlyTheNewestSnapshotsOfTheRetention(@TempDir Path dir) {
        Instant start = Instant.parse("2026-11-27T01:00:00Z");
        MutableClock clock = new MutableClock(start);
        ModelExport export = new ModelExport(dir, 2, clock);
        for (int i = 0; i < 5; i++) {
            export.write(i % 2 == 0 ? trained : trainedFurther, "stream", Map.of("i", (double) i));
            clock.now = clock.now.plusSeconds(1);
        }
        List<Path> kept = export.snapshots();
        assertThat(kept).hasSize(2);
        assertThat(kept).extracting(p -> ModelExport.manifest(p).metrics().get("i")).containsExactly(3.0, 4.0);
        assertThat(ModelExport.load(dir).manifest().metrics()).containsEntry("i", 4.0);
    }

    @Test
    void orderIsByTimeOfWritingEvenWithinOneMillisecond(@TempDir Path dir) {
        ModelExport export = new ModelExport(dir, 10, Clock.fixed(Instant.parse("2026-11-27T01:00:00Z"), ZoneOffset.UTC));
        export.write(trainedFurther, "stream", Map.of());
        export.write(trained, "stream", Map.of()); // an older version written later (a warm start) is the newest
        assertThat(export.snapshots()).hasSize(2);
        assertThat(ModelExport.load(dir).snapshot()).isEqualTo(trained);
    }

    @Test
    void aHalfWrittenSnapshotIsNeverVisibleAndIsCleanedUpOnceStale(@TempDir Path dir) throws IOException {
        MutableClock clock = new MutableClock(Instant.now());
        ModelExport export = new ModelExport(dir, 3, clock);
        export.write(trained, "stream", Map.of());
        // What a writer that died half-way leaves: a temporary directory with a partial snapshot and no manifest,
        // and also one that has both files but was never renamed into place.
        Path partial = Files.createDirectory(dir.resolve(".tmp-dead-writer"));
        Files.write(partial.resolve(ModelExport.SNAPSHOT_FILE), new byte[] {1, 2, 3});
        Path unrenamed = Files.createDirectory(dir.resolve(".tmp-unrenamed"));
        Files.write(unrenamed.resolve(ModelExport.SNAPSHOT_FILE), trainedFurther.toBytes());
        Files.copy(export.latest().resolve(ModelExport.MANIFEST_FILE), unrenamed.resolve(ModelExport.MANIFEST_FILE));

        assertThat(export.snapshots()).hasSize(1);
        assertThat(ModelExport.load(dir).snapshot()).isEqualTo(trained);

        export.prune();
        assertThat(partial).exists(); // a live writer may still be using it
        FileTime old = FileTime.from(clock.now.minus(ModelExport.STALE_TEMPORARY_AGE).minusSeconds(1));
        Files.setLastModifiedTime(partial, old);
        Files.setLastModifiedTime(unrenamed, old);
        export.prune();
        assertThat(partial).doesNotExist();
        assertThat(unrenamed).doesNotExist();
        assertThat(export.snapshots()).hasSize(1);
    }

    @Test
    void aSnapshotThatDisagreesWithItsManifestIsRejected(@TempDir Path dir) throws IOException {
        ModelExport export = new ModelExport(dir, 3);
        Path written = export.write(trained, "stream", Map.of());
        Files.write(written.resolve(ModelExport.SNAPSHOT_FILE), trainedFurther.toBytes());
        assertThatThrownBy(() -> ModelExport.load(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not match its manifest");
        assertThatThrownBy(() -> ModelExport.load(dir.resolve("missing"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not exist");
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> ModelExport.load(empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("No model snapshot");
        Path garbage = Files.write(dir.resolve("garbage.bin"), new byte[] {0, 0, 0, 1, 2});
        assertThatThrownBy(() -> ModelExport.load(garbage)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a model snapshot");
        assertThatThrownBy(() -> new ModelExport(dir, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void centresReadFromASnapshotAreTheOnesTheModelAssignsBy() {
        float[][] centres = SnapshotTensors.centres(trained);
        assertThat(centres).hasDimensions(4, 16);
        for (float[] centre : centres) {
            double norm = 0;
            for (float v : centre) {
                norm += v * v;
            }
            assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        }
        int[][] inputs = batch(9).inputs();
        try (ElcRecModel model = ElcRecModel.restore(trained)) {
            io.intentstream.model.Scores scores = model.score(inputs, 3, ITEMS);
            for (int i = 0; i < inputs.length; i++) {
                float[] embedding = scores.embeddings()[i];
                int nearest = -1;
                double best = Double.POSITIVE_INFINITY;
                for (int c = 0; c < centres.length; c++) {
                    double distance = 0;
                    for (int d = 0; d < embedding.length; d++) {
                        double diff = embedding[d] / norm(embedding) - centres[c][d];
                        distance += diff * diff;
                    }
                    if (distance < best) {
                        best = distance;
                        nearest = c;
                    }
                }
                assertThat(nearest).as("sample " + i).isEqualTo(scores.cluster()[i]);
            }
        }
        assertThatThrownBy(() -> SnapshotTensors.matrix(trained, "no-such-parameter"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += x * x;
        }
        return Math.sqrt(sum);
    }

    @Test
    void identityIndexMapsBenchmarkItemsToTheirIds() {
        ItemIndex index = BenchmarkItems.identityIndex(ITEMS);
        assertThat(index.liveRows()).isEqualTo(ITEMS);
        assertThat(index.externalId(7)).isEqualTo("item-7");
        assertThat(BenchmarkItems.rowsAreItemIds(trained)).isTrue();
        assertThat(BenchmarkItems.rowsAreItemIds(trainedFurther)).isTrue(); // no index: rows are ids
        ItemIndex shuffled = new ItemIndex(ITEMS);
        shuffled.assign("item-2");
        assertThat(BenchmarkItems.rowsAreItemIds(trained.withItemIndex(shuffled.toBytes()))).isFalse();
        assertThat(BenchmarkItems.withIdentityIndexIfMissing(trainedFurther).itemIndex())
                .isEqualTo(index.toBytes());
    }

    private static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
