package io.intentstream.job.replay;

import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.ElcRecModel;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.SequenceBatch;
import io.intentstream.model.export.ModelExport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileSystemModelExportTest {

    private static final List<ModelSnapshot> VERSIONS = new ArrayList<>();

    @BeforeAll
    static void trainThreeVersions() {
        // Loads the norename:// factory from META-INF/services, as a cluster loads its plugins.
        FileSystem.initialize(new Configuration(), null);
        ElcRecConfig config = ElcRecConfig.builder(10).maxSequenceLength(4).hiddenSize(8).heads(2).layers(1)
                .clusters(2).device(Device.CPU).build();
        try (ElcRecModel model = ElcRecModel.create(config)) {
            SequenceBatch batch = new SequenceBatch(new int[][] {{0, 1, 2, 3}, {0, 0, 4, 5}},
                    new int[][] {{0, 2, 3, 4}, {0, 0, 5, 6}}, 10);
            for (int i = 0; i < 3; i++) {
                model.trainStep(batch);
                VERSIONS.add(model.snapshot());
            }
        }
    }

    @AfterEach
    void reviveTheWriter() {
        NoRenameFileSystem.revive();
    }

    @Test
    void onAFileUriWritesTheLayoutTheLocalReaderReadsAndKeepsTheRetention(@TempDir Path dir) {
        String uri = dir.resolve("models").toUri().toString();
        assertThat(uri).startsWith("file:");
        FileSystemModelExport export = new FileSystemModelExport(uri, 2);
        List<URI> written = new ArrayList<>();
        for (ModelSnapshot version : VERSIONS) {
            written.add(export.write(version, "stream", Map.of("loss", 0.5, "nan", Double.NaN)));
        }

        assertThat(export.snapshots()).hasSize(2);
        ModelExport local = new ModelExport(dir.resolve("models"), 2);
        assertThat(local.snapshots())
                .containsExactlyElementsOf(written.subList(1, 3).stream().map(Path::of).toList());
        ModelExport.Loaded loaded = ModelExport.load(dir.resolve("models"));
        assertThat(loaded.snapshot()).isEqualTo(VERSIONS.get(2));
        assertThat(loaded.manifest().producer()).isEqualTo("stream");
        assertThat(loaded.manifest().metrics()).containsOnlyKeys("loss");
        assertThat(FileSystemModelExport.load(uri).snapshot()).isEqualTo(VERSIONS.get(2));
        // A plain path means the local file system.
        assertThat(FileSystemModelExport.load(dir.resolve("models").toString()).snapshot())
                .isEqualTo(VERSIONS.get(2));
    }

    @Test
    void readsWhatTheLocalWriterWrote(@TempDir Path dir) {
        Path written = new ModelExport(dir, 3).write(VERSIONS.get(1), "train", Map.of());
        assertThat(FileSystemModelExport.load(dir.toUri().toString()).snapshot()).isEqualTo(VERSIONS.get(1));
        assertThat(Path.of(FileSystemModelExport.load(written.toString()).location())).isEqualTo(written);
    }

    @Test
    void commitsWithoutEverRenamingOnAStoreThatCannotRename(@TempDir Path dir) {
        String uri = NoRenameFileSystem.uri(dir.resolve("bucket"));
        FileSystemModelExport export = new FileSystemModelExport(uri, 2);
        for (ModelSnapshot version : VERSIONS) {
            assertThat(export.write(version, "stream", Map.of()).getScheme()).isEqualTo(NoRenameFileSystem.SCHEME);
        }
        assertThat(export.snapshots()).hasSize(2);
        assertThat(FileSystemModelExport.load(uri).snapshot()).isEqualTo(VERSIONS.get(2));
    }

    @Test
    void aWriterThatDiesBeforeOrDuringTheManifestLeavesTheLastCommittedSnapshotInForce(@TempDir Path dir)
            throws IOException {
        Instant start = Instant.parse("2026-11-27T04:00:00Z");
        String uri = NoRenameFileSystem.uri(dir.resolve("bucket"));
        new FileSystemModelExport(uri, 1, at(start)).write(VERSIONS.get(0), "stream", Map.of());

        // Dies half-way through model.bin: no manifest, nothing committed.
        NoRenameFileSystem.dieWhileWriting(ModelExport.SNAPSHOT_FILE, 100);
        assertThatThrownBy(() -> new FileSystemModelExport(uri, 1, at(start.plusSeconds(1)))
                .write(VERSIONS.get(1), "stream", Map.of())).isInstanceOf(UncheckedIOException.class);
        // Dies half-way through the manifest: a torn manifest beside a whole model.bin.
        NoRenameFileSystem.dieWhileWriting(ModelExport.MANIFEST_FILE, 40);
        assertThatThrownBy(() -> new FileSystemModelExport(uri, 1, at(start.plusSeconds(2)))
                .write(VERSIONS.get(2), "stream", Map.of())).isInstanceOf(UncheckedIOException.class);
        NoRenameFileSystem.revive();

        Path bucket = dir.resolve("bucket");
        try (var entries = Files.list(bucket)) {
            assertThat(entries.toList()).as("both dead writers' directories are still there").hasSize(3);
        }
        assertThat(new FileSystemModelExport(uri, 1).snapshots()).as("only the first is committed").hasSize(1);
        assertThat(FileSystemModelExport.load(uri).snapshot()).isEqualTo(VERSIONS.get(0));

        // The next writer's prune leaves a dead writer's directory alone while it might still be writing ...
        new FileSystemModelExport(uri, 1, at(start.plusSeconds(3))).prune();
        try (var entries = Files.list(bucket)) {
            assertThat(entries.toList()).hasSize(3);
        }
        // ... and removes it once it is older than any live write; the committed snapshot stays.
        new FileSystemModelExport(uri, 1, at(start.plus(ModelExport.STALE_TEMPORARY_AGE).plusSeconds(3))).prune();
        try (var entries = Files.list(bucket)) {
            assertThat(entries.toList()).hasSize(1);
        }
        assertThat(FileSystemModelExport.load(uri).snapshot()).isEqualTo(VERSIONS.get(0));
    }

    private static Clock at(Instant now) {
        return Clock.fixed(now, ZoneOffset.UTC);
    }

    @Test
    void saysWhatIsMissing(@TempDir Path dir) {
        assertThatThrownBy(() -> FileSystemModelExport.load(dir.resolve("none").toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> FileSystemModelExport.load(dir.toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holding a complete one");
        assertThatThrownBy(() -> new FileSystemModelExport(dir.toString(), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(FileSystemModelExport.toUri("s3://bucket/models")).isEqualTo(URI.create("s3://bucket/models"));
        assertThat(FileSystemModelExport.toUri("relative/dir").getScheme()).isEqualTo("file");
    }
}
