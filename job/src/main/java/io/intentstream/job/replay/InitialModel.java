package io.intentstream.job.replay;

import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.export.BenchmarkItems;

import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The snapshot a job starts its model from when it starts without state ({@code --model.init-path}): the newest
 * snapshot of an export directory, one snapshot directory, or a bare snapshot file such as {@code train}'s
 * {@code best-model.bin}. A snapshot without an item index (offline training, where rows are the benchmark's item
 * ids) gets the identity index of {@link BenchmarkItems}, so the stream's {@code item-<n>} continues row n.
 *
 * <p>Read where the training operator runs, when it initialises: the location must be reachable from there (a
 * local or mounted path, or a Flink file system URI such as {@code s3://bucket/models}, read as
 * {@link FileSystemModelExport#load} reads: the newest snapshot that its manifest commits).
 */
public final class InitialModel implements Serializable {

    private static final long serialVersionUID = 1L;

    private final URI location;

    public InitialModel(Path path) {
        this(Objects.requireNonNull(path, "path").toString());
    }

    /** @param location a local path or a Flink file system URI */
    public InitialModel(String location) {
        this.location = FileSystemModelExport.toUri(location);
    }

    public URI location() {
        return location;
    }

    /** The snapshot, as the bytes {@code OnlineTrainer.restore} takes. */
    public byte[] snapshotBytes() {
        return load().toBytes();
    }

    /**
     * @throws IllegalArgumentException when there is no readable snapshot at the path
     */
    public ModelSnapshot load() {
        return BenchmarkItems.withIdentityIndexIfMissing(FileSystemModelExport.load(location.toString()).snapshot());
    }
}
