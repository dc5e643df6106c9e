package io.intentstream.model.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.catalog.ItemIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A directory of versioned model snapshots, the one format that offline {@code train}, the streaming job and
 * {@code replay} write and that {@code --init-model} and {@code evaluate} read.
 *
 * <pre>
 *   ROOT/snapshot-000001764201234567-v000000001234/model.bin       ModelSnapshot.toBytes()
 *                                                  /manifest.json   {@link SnapshotManifest}
 * </pre>
 *
 * <p>A snapshot is written into a hidden temporary directory beside the others, its files forced to disk, and the
 * directory then renamed into place in one atomic step, so a reader sees a snapshot whole or not at all, also when
 * the writer dies half-way. Names sort by creation time, newest last; after each write only the newest
 * {@code retention} snapshots are kept. Temporary directories that a dead writer left behind are removed once they
 * are older than {@link #STALE_TEMPORARY_AGE}.
 *
 * <p>Local and mounted file systems only (java.nio); object stores are not supported here.
 */
public final class ModelExport {

    /** The layout version written into every manifest. */
    public static final int FORMAT = 1;

    public static final String SNAPSHOT_FILE = "model.bin";
    public static final String MANIFEST_FILE = "manifest.json";

    /** A temporary directory this old belongs to a writer that died; a live write takes well under a minute. */
    public static final Duration STALE_TEMPORARY_AGE = Duration.ofHours(1);

    /** Orders snapshot directory names as {@link #snapshots()} does: by creation time, then version. */
    public static final Comparator<String> SNAPSHOT_ORDER = Comparator.comparing(ModelExport::sortKey);

    private static final String TEMPORARY_PREFIX = ".tmp-";
    private static final Pattern SNAPSHOT_NAME = Pattern.compile("snapshot-(\\d{18})-v(\\d{12,})");

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private final Path root;
    private final int retention;
    private final Clock clock;

    /**
     * @param root the export directory (created when missing)
     * @param retention how many snapshots to keep, at least 1
     */
    public ModelExport(Path root, int retention) {
        this(root, retention, Clock.systemUTC());
    }

    ModelExport(Path root, int retention, Clock clock) {
        if (retention < 1) {
            throw new IllegalArgumentException("retention must be at least 1, got " + retention);
        }
        this.root = Objects.requireNonNull(root, "root");
        this.retention = retention;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Path root() {
        return root;
    }

    public int retention() {
        return retention;
    }

    /** A snapshot found in an export directory, or a bare snapshot file (then {@code manifest} is null). */
    public record Loaded(Path path, ModelSnapshot snapshot, SnapshotManifest manifest) {}

    /**
     * Writes {@code snapshot} as the newest version, then prunes to the retention.
     *
     * @param producer who writes it ({@code train}, {@code stream}, {@code replay})
     * @param metrics figures to keep in the manifest (NaN and infinite values are left out: JSON has none)
     * @return the directory of the new snapshot
     */
    public Path write(ModelSnapshot snapshot, String producer, Map<String, Double> metrics) {
        try {
            Files.createDirectories(root);
            Instant now = clock.instant();
            byte[] encoded = snapshot.toBytes();
            SnapshotManifest manifest = manifestOf(snapshot, encoded.length, now, producer, metrics);
            Path temporary = Files.createDirectory(root.resolve(TEMPORARY_PREFIX + UUID.randomUUID()));
            try {
                writeDurably(temporary.resolve(SNAPSHOT_FILE), encoded);
                writeDurably(temporary.resolve(MANIFEST_FILE), manifestBytes(manifest));
                Path target = moveIntoPlace(temporary, now.toEpochMilli(), snapshot.version());
                forceDirectory(root);
                prune();
                return target;
            } catch (IOException | RuntimeException e) {
                deleteRecursively(temporary);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot export the model snapshot to " + root, e);
        }
    }

    /** The complete snapshots in this directory, oldest first. */
    public List<Path> snapshots() {
        return listSnapshots(root);
    }

    /** The newest complete snapshot, or null when there is none. */
    public Path latest() {
        List<Path> all = snapshots();
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /**
     * Deletes all but the newest {@code retention} snapshots, and temporary directories of dead writers.
     *
     * @return the snapshot directories deleted
     */
    public List<Path> prune() {
        List<Path> all = snapshots();
        List<Path> deleted = new ArrayList<>();
        for (int i = 0; i < all.size() - retention; i++) {
            deleteRecursively(all.get(i));
            deleted.add(all.get(i));
        }
        Instant staleBefore = clock.instant().minus(STALE_TEMPORARY_AGE);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, TEMPORARY_PREFIX + "*")) {
            for (Path entry : entries) {
                FileTime modified = Files.getLastModifiedTime(entry);
                if (modified.toInstant().isBefore(staleBefore)) {
                    deleteRecursively(entry);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + root, e);
        }
        return deleted;
    }

    /**
     * Loads a snapshot from {@code path}: an export directory (its newest snapshot), one snapshot directory, or a
     * bare {@code ModelSnapshot.toBytes()} file such as {@code train}'s {@code best-model.bin}.
     *
     * @throws IllegalArgumentException when there is no snapshot at {@code path}, or its manifest and content
     *     disagree (a corrupt or mixed-up copy)
     */
    public static Loaded load(Path path) {
        Objects.requireNonNull(path, "path");
        if (Files.isRegularFile(path)) {
            return new Loaded(path, decode(path), null);
        }
        if (!Files.isDirectory(path)) {
            throw new IllegalArgumentException("No model snapshot at " + path + ": it does not exist");
        }
        Path directory = path;
        if (!Files.isRegularFile(path.resolve(MANIFEST_FILE))) {
            List<Path> all = listSnapshots(path);
            if (all.isEmpty()) {
                throw new IllegalArgumentException("No model snapshot at " + path
                        + ": neither a snapshot directory (with " + MANIFEST_FILE + ") nor an export directory "
                        + "holding one");
            }
            directory = all.get(all.size() - 1);
        }
        SnapshotManifest manifest;
        try {
            manifest = parseManifest(Files.readAllBytes(directory.resolve(MANIFEST_FILE)));
        } catch (IOException e) {
            throw new IllegalArgumentException("Unreadable manifest in " + directory + ": " + e.getMessage(), e);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(directory.resolve(SNAPSHOT_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the model snapshot " + directory.resolve(SNAPSHOT_FILE), e);
        }
        return new Loaded(directory, verified(manifest, bytes, directory.toString()), manifest);
    }

    /**
     * Decodes a snapshot's {@code model.bin} and checks it is the file its manifest was written for: format,
     * checksum and version. Shared with writers on other file systems (the job's object-store export).
     *
     * @param where names the snapshot in messages
     * @throws IllegalArgumentException when the format is not this build's, the bytes are not a snapshot, or they
     *     do not match the manifest (a torn, corrupt or mixed-up copy)
     */
    public static ModelSnapshot verified(SnapshotManifest manifest, byte[] snapshotBytes, String where) {
        if (manifest.format() != FORMAT) {
            throw new IllegalArgumentException("Snapshot " + where + " has export format " + manifest.format()
                    + "; this build reads format " + FORMAT);
        }
        ModelSnapshot snapshot = decode(snapshotBytes, where);
        String checksum = Long.toHexString(snapshot.checksum());
        if (!checksum.equals(manifest.checksum()) || snapshot.version() != manifest.modelVersion()) {
            throw new IllegalArgumentException("Snapshot " + where + " does not match its manifest (checksum "
                    + checksum + " vs " + manifest.checksum() + ", version " + snapshot.version() + " vs "
                    + manifest.modelVersion() + ")");
        }
        return snapshot;
    }

    /** The manifest's JSON form, as {@code manifest.json} holds it. */
    public static byte[] manifestBytes(SnapshotManifest manifest) {
        try {
            return JSON.writeValueAsBytes(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot encode the manifest", e);
        }
    }

    /** Reads {@code manifest.json}; fails on a partial or foreign file. */
    public static SnapshotManifest parseManifest(byte[] json) throws IOException {
        return JSON.readValue(json, SnapshotManifest.class);
    }

    /** The name of the snapshot directory created at {@code createdMillis} for model {@code version}. */
    public static String snapshotName(long createdMillis, long version) {
        return String.format(Locale.ROOT, "snapshot-%018d-v%012d", createdMillis, version);
    }

    /** When the snapshot directory called {@code name} was created, or -1 if it is not a snapshot's name. */
    public static long createdMillis(String name) {
        Matcher m = SNAPSHOT_NAME.matcher(name);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The manifest of a snapshot directory. */
    public static SnapshotManifest manifest(Path snapshotDirectory) {
        try {
            return JSON.readValue(snapshotDirectory.resolve(MANIFEST_FILE).toFile(), SnapshotManifest.class);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the manifest of " + snapshotDirectory, e);
        }
    }

    private static ModelSnapshot decode(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the model snapshot " + file, e);
        }
        return decode(bytes, file.toString());
    }

    private static ModelSnapshot decode(byte[] bytes, String where) {
        try {
            return ModelSnapshot.fromBytes(bytes);
        } catch (IllegalArgumentException | UncheckedIOException | ClassCastException e) {
            throw new IllegalArgumentException(where + " is not a model snapshot: " + e.getMessage(), e);
        }
    }

    /**
     * The manifest for {@code snapshot}, written at {@code now} by {@code producer}.
     *
     * @param bytes the size of the encoded snapshot ({@code model.bin})
     * @param metrics figures to keep (NaN and infinite values are left out: JSON has none)
     */
    public static SnapshotManifest manifestOf(ModelSnapshot snapshot, long bytes, Instant now, String producer,
            Map<String, Double> metrics) {
        Map<String, Double> finite = new TreeMap<>();
        metrics.forEach((name, value) -> {
            if (value != null && Double.isFinite(value)) {
                finite.put(name, value);
            }
        });
        int indexed = snapshot.itemIndex().length == 0 ? 0 : ItemIndex.fromBytes(snapshot.itemIndex()).size();
        @SuppressWarnings("unchecked")
        Map<String, Object> config = new TreeMap<>(JSON.convertValue(snapshot.config(), Map.class));
        return new SnapshotManifest(FORMAT, snapshot.version(), snapshot.stepCount(), now.toString(),
                Long.toHexString(snapshot.checksum()), bytes, snapshot.config().itemCount(), indexed,
                snapshot.centresInitialised(), producer, finite, config);
    }

    private Path moveIntoPlace(Path temporary, long createdMillis, long version) throws IOException {
        // Names sort by their time: a write in the same millisecond as (or, after a clock step back, before) the
        // newest snapshot is named just after it, so the newest name is always the last one written.
        long newest = snapshots().stream()
                .mapToLong(p -> Long.parseLong(nameParts(p.getFileName().toString()).group(1)))
                .max().orElse(Long.MIN_VALUE);
        for (long millis = Math.max(createdMillis, newest + 1); ; millis++) {
            Path target = root.resolve(snapshotName(millis, version));
            if (Files.exists(target)) {
                continue;
            }
            try {
                return Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                // another writer took this name between the check and the move: try the next one
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("The file system of " + root + " cannot rename atomically", e);
            }
        }
    }

    private static List<Path> listSnapshots(Path directory) {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries
                    .filter(p -> SNAPSHOT_NAME.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p.resolve(MANIFEST_FILE)))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString(), SNAPSHOT_ORDER))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + directory, e);
        }
    }

    private static Matcher nameParts(String name) {
        Matcher m = SNAPSHOT_NAME.matcher(name);
        if (!m.matches()) {
            throw new IllegalStateException("not a snapshot name: " + name);
        }
        return m;
    }

    private static String sortKey(String name) {
        Matcher m = nameParts(name);
        return m.group(1) + "-" + String.format(Locale.ROOT, "%020d", Long.parseLong(m.group(2)));
    }

    private static void writeDurably(Path file, byte[] content) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
    }

    private static void forceDirectory(Path directory) {
        // Makes the rename itself durable; not every platform can open a directory for this, which costs only
        // durability across a power cut, not atomicity.
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // see above
        }
    }

    private static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            List<Path> all = walk.sorted(Comparator.reverseOrder()).toList();
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + path, e);
        }
    }
}
