package io.intentstream.job.replay;

import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.export.ModelExport;
import io.intentstream.model.export.SnapshotManifest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The export directory of {@link ModelExport} (same names, same files, so {@code --init-model} and {@code evaluate}
 * read either) on any Flink {@link FileSystem}: a local path, {@code file://}, {@code s3://}, {@code gs://},
 * {@code hdfs://} ... as far as the cluster has the file system's plugin.
 *
 * <p>Object stores cannot rename a directory atomically (a rename is a copy of every object, then a delete), so
 * this writer never renames. It commits with the manifest instead:
 * <ol>
 *   <li>{@code model.bin} is written under a name no other snapshot has ({@code snapshot-<millis>-v<version>},
 *       created with {@link FileSystem.WriteMode#NO_OVERWRITE}); without a manifest beside it, readers ignore it;</li>
 *   <li>{@code manifest.json} is written last, one small object: the commit. It names the snapshot's size and
 *       checksum, so a reader takes a snapshot only when the manifest parses and {@code model.bin} is exactly the
 *       file it was written for. A torn manifest (a store that shows a file while it is written, a writer that
 *       died half-way) does not parse, and the reader falls back to the newest snapshot before it.</li>
 * </ol>
 * Retention deletes a snapshot's manifest first, so a half-deleted snapshot is never taken for a committed one.
 * Directories without a manifest that parses, older than {@link ModelExport#STALE_TEMPORARY_AGE}, belong to
 * writers that died and are removed too.
 *
 * <p>Readers list the export directory: stores with consistent listings after a write (S3 since 2020, GCS, Azure,
 * HDFS, local) see a committed snapshot at once.
 */
public final class FileSystemModelExport {

    private static final Logger LOG = LoggerFactory.getLogger(FileSystemModelExport.class);

    private final Path root;
    private final int retention;
    private final Clock clock;

    /**
     * @param location a Flink file system URI ({@code s3://bucket/models}) or a local path
     * @param retention committed snapshots to keep, at least 1
     */
    public FileSystemModelExport(String location, int retention) {
        this(location, retention, Clock.systemUTC());
    }

    FileSystemModelExport(String location, int retention, Clock clock) {
        if (retention < 1) {
            throw new IllegalArgumentException("retention must be at least 1, got " + retention);
        }
        this.root = new Path(toUri(location));
        this.retention = retention;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A location as a URI: one with a scheme as given; a plain path as the absolute {@code file:} URI of that path.
     */
    public static URI toUri(String location) {
        Objects.requireNonNull(location, "location");
        if (location.isBlank()) {
            throw new IllegalArgumentException("the export location must not be empty");
        }
        if (isUri(location)) {
            return URI.create(location);
        }
        return java.nio.file.Path.of(location).toAbsolutePath().normalize().toUri();
    }

    /**
     * Whether {@code location} names a file system by its URI scheme rather than being a local path. A scheme has
     * two letters at least, so a Windows drive ({@code C:/...}) stays a path.
     */
    public static boolean isUri(String location) {
        return location.matches("[A-Za-z][A-Za-z0-9+.-]+:/.*");
    }

    public URI root() {
        return root.toUri();
    }

    /**
     * Writes {@code snapshot} as the newest version (manifest last), then prunes to the retention.
     *
     * @param producer who writes it ({@code stream}, {@code replay}, {@code train})
     * @return the URI of the committed snapshot directory
     */
    public URI write(ModelSnapshot snapshot, String producer, Map<String, Double> metrics) {
        try {
            FileSystem fs = root.getFileSystem();
            fs.mkdirs(root);
            Instant now = clock.instant();
            byte[] encoded = snapshot.toBytes();
            byte[] manifest = ModelExport.manifestBytes(
                    ModelExport.manifestOf(snapshot, encoded.length, now, producer, metrics));
            Path directory = claimName(fs, now.toEpochMilli(), snapshot.version());
            try {
                writeFile(fs, new Path(directory, ModelExport.SNAPSHOT_FILE), encoded);
                writeFile(fs, new Path(directory, ModelExport.MANIFEST_FILE), manifest);
            } catch (IOException | RuntimeException e) {
                deleteQuietly(fs, directory);
                throw e;
            }
            prune();
            return directory.toUri();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot export the model snapshot to " + root, e);
        }
    }

    /** Committed snapshots (a manifest that parses beside them), oldest first; {@link #load} checks the rest. */
    public List<URI> snapshots() {
        try {
            return committed(root.getFileSystem()).stream().map(Path::toUri).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + root, e);
        }
    }

    /**
     * Deletes all but the newest {@code retention} committed snapshots (manifest first), and directories without
     * a manifest that parses older than {@link ModelExport#STALE_TEMPORARY_AGE}.
     *
     * @return the snapshot directories deleted
     */
    public List<URI> prune() {
        try {
            FileSystem fs = root.getFileSystem();
            List<Path> all = committed(fs);
            List<URI> deleted = new ArrayList<>();
            for (int i = 0; i < all.size() - retention; i++) {
                fs.delete(new Path(all.get(i), ModelExport.MANIFEST_FILE), false);
                fs.delete(all.get(i), true);
                deleted.add(all.get(i).toUri());
            }
            long staleBefore = clock.millis() - ModelExport.STALE_TEMPORARY_AGE.toMillis();
            for (Path directory : snapshotDirectories(fs)) {
                if (ModelExport.createdMillis(directory.getName()) < staleBefore && !manifestParses(fs, directory)) {
                    fs.delete(directory, true);
                }
            }
            return deleted;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prune " + root, e);
        }
    }

    /** A snapshot read back: where, what, and what its manifest says. */
    public record Loaded(URI location, ModelSnapshot snapshot, SnapshotManifest manifest) {}

    /**
     * The newest snapshot of an export directory whose manifest parses and whose {@code model.bin} matches it; a
     * snapshot directory (with a manifest) checked the same way; or a bare snapshot file.
     *
     * @throws IllegalArgumentException when there is no usable snapshot at {@code location}
     */
    public static Loaded load(String location) {
        Path path = new Path(toUri(location));
        try {
            FileSystem fs = path.getFileSystem();
            if (!fs.exists(path)) {
                throw new IllegalArgumentException("No model snapshot at " + location + ": it does not exist");
            }
            if (!fs.getFileStatus(path).isDir()) {
                byte[] bytes = readFile(fs, path);
                try {
                    return new Loaded(path.toUri(), ModelSnapshot.fromBytes(bytes), null);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(location + " is not a model snapshot: " + e.getMessage(), e);
                }
            }
            if (fs.exists(new Path(path, ModelExport.MANIFEST_FILE))) {
                return read(fs, path);
            }
            List<Path> all = new ArrayList<>(committed(fs, path));
            for (int i = all.size() - 1; i >= 0; i--) {
                try {
                    return read(fs, all.get(i));
                } catch (IllegalArgumentException | IOException notCommitted) {
                    LOG.warn("Skipping snapshot {}: {}", all.get(i), notCommitted.getMessage());
                }
            }
            throw new IllegalArgumentException("No model snapshot at " + location + ": neither a snapshot directory"
                    + " (with " + ModelExport.MANIFEST_FILE + ") nor an export directory holding a complete one");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read a model snapshot from " + location, e);
        }
    }

    private static Loaded read(FileSystem fs, Path directory) throws IOException {
        SnapshotManifest manifest;
        try {
            manifest = ModelExport.parseManifest(
                    readFile(fs, new Path(directory, ModelExport.MANIFEST_FILE)));
        } catch (IOException e) {
            throw new IllegalArgumentException("Unreadable manifest in " + directory + ": " + e.getMessage(), e);
        }
        byte[] bytes = readFile(fs, new Path(directory, ModelExport.SNAPSHOT_FILE));
        if (bytes.length != manifest.snapshotBytes()) {
            throw new IllegalArgumentException("Snapshot " + directory + " has " + bytes.length + " bytes, its "
                    + "manifest says " + manifest.snapshotBytes());
        }
        return new Loaded(directory.toUri(), ModelExport.verified(manifest, bytes, directory.toString()), manifest);
    }

    /**
     * A directory name no snapshot has: the creation time, or just after the newest snapshot's, so that names
     * sort in the order of writing (also after a clock step back).
     */
    private Path claimName(FileSystem fs, long createdMillis, long version)
            throws IOException {
        long newest = snapshotDirectories(fs).stream()
                .mapToLong(p -> ModelExport.createdMillis(p.getName())).max().orElse(Long.MIN_VALUE);
        for (long millis = Math.max(createdMillis, newest + 1); ; millis++) {
            Path directory =
                    new Path(root, ModelExport.snapshotName(millis, version));
            if (!fs.exists(directory)) {
                return directory;
            }
        }
    }

    private List<Path> snapshotDirectories(FileSystem fs) throws IOException {
        return snapshotDirectories(fs, root);
    }

    private List<Path> committed(FileSystem fs) throws IOException {
        return committed(fs, root);
    }

    /** Snapshot directories whose manifest parses (a torn one does not), oldest first. */
    private static List<Path> committed(FileSystem fs, Path root)
            throws IOException {
        List<Path> result = new ArrayList<>();
        for (Path directory : snapshotDirectories(fs, root)) {
            if (manifestParses(fs, directory)) {
                result.add(directory);
            }
        }
        return result;
    }

    private static boolean manifestParses(FileSystem fs, Path directory) throws IOException {
        Path manifest =
                new Path(directory, ModelExport.MANIFEST_FILE);
        if (!fs.exists(manifest)) {
            return false;
        }
        try {
            ModelExport.parseManifest(readFile(fs, manifest));
            return true;
        } catch (IOException torn) {
            return false;
        }
    }

    /** Directories named like snapshots, committed or not, oldest first. */
    private static List<Path> snapshotDirectories(FileSystem fs,
            Path root) throws IOException {
        if (!fs.exists(root)) {
            return List.of();
        }
        FileStatus[] entries = fs.listStatus(root);
        if (entries == null) {
            return List.of();
        }
        List<Path> result = new ArrayList<>();
        for (FileStatus entry : entries) {
            if (ModelExport.createdMillis(entry.getPath().getName()) >= 0) {
                result.add(entry.getPath());
            }
        }
        result.sort(Comparator.comparing(Path::getName, ModelExport.SNAPSHOT_ORDER));
        return result;
    }

    private static void writeFile(FileSystem fs, Path file, byte[] content)
            throws IOException {
        try (FSDataOutputStream out = fs.create(file, FileSystem.WriteMode.NO_OVERWRITE)) {
            out.write(content);
            out.sync(); // durable before the next step: the manifest must not be committed ahead of its snapshot
        }
    }

    private static byte[] readFile(FileSystem fs, Path file) throws IOException {
        try (InputStream in = fs.open(file)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            in.transferTo(bytes);
            return bytes.toByteArray();
        }
    }

    private static void deleteQuietly(FileSystem fs, Path directory) {
        try {
            fs.delete(directory, true);
        } catch (IOException e) {
            LOG.warn("Could not remove the unfinished snapshot {}; a later prune will", directory, e);
        }
    }
}
