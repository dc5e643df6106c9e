package io.intentstream.job.replay;

import io.intentstream.model.ModelSnapshot;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the training operator calls to export its model: every {@code interval} of processing time (checked after
 * each batch, so an idle job does not export the same model again and again) and once at the end of a bounded
 * input. Writes through {@link FileSystemModelExport}: the manifest written last commits a snapshot (atomic also on
 * object stores, which cannot rename atomically), pruned to the retention.
 *
 * <p>Serializable with the operator; the export location must be reachable from the task manager that runs the
 * training operator: a local or mounted path, or a Flink file system URI ({@code s3://bucket/models}) whose plugin
 * the cluster has.
 */
public final class ModelExporter implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ModelExporter.class);

    /** The producer name the job writes into its manifests. */
    public static final String PRODUCER = "stream";

    private final URI location;
    private final Long intervalMillis;
    private final int retention;

    private transient FileSystemModelExport export;
    private transient long lastExportMillis;
    private transient long lastExportedVersion;

    /**
     * @param location a local path or a Flink file system URI
     * @param interval null to export only at the end of a bounded input
     */
    public ModelExporter(String location, Duration interval, int retention) {
        Objects.requireNonNull(location, "location");
        if (interval != null && (interval.isNegative() || interval.isZero())) {
            throw new IllegalArgumentException("the export interval must be positive, got " + interval);
        }
        if (retention < 1) {
            throw new IllegalArgumentException("the export retention must be at least 1, got " + retention);
        }
        this.location = FileSystemModelExport.toUri(location);
        this.intervalMillis = interval == null ? null : interval.toMillis();
        this.retention = retention;
    }

    public URI location() {
        return location;
    }

    /** Whether an interval export is due at processing time {@code nowMillis} (the first one an interval in). */
    public boolean due(long nowMillis) {
        if (intervalMillis == null) {
            return false;
        }
        if (export == null) {
            open(nowMillis);
        }
        return nowMillis - lastExportMillis >= intervalMillis;
    }

    /**
     * Writes {@code snapshotBytes} unless a snapshot of the same model version was written by this exporter
     * already (nothing trained since).
     *
     * @return the new snapshot directory, or null when nothing was written
     */
    public URI export(byte[] snapshotBytes, Map<String, Double> metrics, long nowMillis) {
        if (export == null) {
            open(nowMillis);
        }
        ModelSnapshot snapshot = ModelSnapshot.fromBytes(snapshotBytes);
        lastExportMillis = nowMillis;
        if (snapshot.version() == lastExportedVersion) {
            return null;
        }
        long started = System.nanoTime();
        URI written = export.write(snapshot, PRODUCER, metrics);
        lastExportedVersion = snapshot.version();
        LOG.info("Exported model version {} to {} in {} ms", snapshot.version(), written,
                (System.nanoTime() - started) / 1_000_000);
        return written;
    }

    private void open(long nowMillis) {
        export = new FileSystemModelExport(location.toString(), retention);
        lastExportMillis = nowMillis;
        lastExportedVersion = -1;
    }
}
