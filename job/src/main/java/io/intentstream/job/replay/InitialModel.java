package io.intentstream.job.replay;

import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.export.BenchmarkItems;
import io.intentstream.model.export.ModelExport;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The snapshot a job starts its model from when it starts without state ({@code --model.init-path}): the newest
 * snapshot of an export directory, one snapshot directory, or a bare snapshot file such as {@code train}'s
 * {@code best-model.bin}. A snapshot without an item index (offline training, where rows are the benchmark's item
 * ids) gets the identity index of {@link BenchmarkItems}, so the stream's {@code item-<n>} continues row n.
 *
 * <p>Read where the training operator runs, when it initialises: the path must be reachable from there.
 */
public final class InitialModel implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String path;

    public InitialModel(Path path) {
        this.path = Objects.requireNonNull(path, "path").toAbsolutePath().toString();
    }

    public Path path() {
        return Path.of(path);
    }

    /** The snapshot, as the bytes {@code OnlineTrainer.restore} takes. */
    public byte[] snapshotBytes() {
        return load().toBytes();
    }

    /**
     * @throws IllegalArgumentException when there is no readable snapshot at the path
     */
    public ModelSnapshot load() {
        return BenchmarkItems.withIdentityIndexIfMissing(ModelExport.load(Path.of(path)).snapshot());
    }
}
