package io.intentstream.job.replay;

import io.intentstream.job.config.IntentStreamOptions;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Map;

import org.apache.flink.configuration.Configuration;

/**
 * How the training operator's model meets the outside: the snapshot it starts from when it has no state
 * ({@link IntentStreamOptions#MODEL_INIT_PATH}), and where it exports snapshots
 * ({@link IntentStreamOptions#EXPORT_DIRECTORY}). Either part may be absent.
 */
public final class ModelExchange implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Neither a warm start nor an export. */
    public static final ModelExchange NONE = new ModelExchange(null, null);

    private final InitialModel initialModel;
    private final ModelExporter exporter;

    public ModelExchange(InitialModel initialModel, ModelExporter exporter) {
        this.initialModel = initialModel;
        this.exporter = exporter;
    }

    public static ModelExchange from(Configuration options) {
        IntentStreamOptions.validate(options);
        InitialModel initial = options.getOptional(IntentStreamOptions.MODEL_INIT_PATH)
                .map(path -> new InitialModel(Path.of(path)))
                .orElse(null);
        ModelExporter exporter = options.getOptional(IntentStreamOptions.EXPORT_DIRECTORY)
                .map(directory -> new ModelExporter(Path.of(directory),
                        options.getOptional(IntentStreamOptions.EXPORT_INTERVAL).orElse(null),
                        options.get(IntentStreamOptions.EXPORT_RETENTION)))
                .orElse(null);
        return new ModelExchange(initial, exporter);
    }

    /** The warm-start snapshot as {@code OnlineTrainer.restore} takes it, or null to start a fresh model. */
    public byte[] initialSnapshot() {
        return initialModel == null ? null : initialModel.snapshotBytes();
    }

    public boolean exports() {
        return exporter != null;
    }

    /** After a batch: exports when the interval has passed (no-op without an exporter or interval). */
    public void afterBatch(SnapshotSource snapshot, Map<String, Double> metrics, long nowMillis) {
        if (exporter != null && exporter.due(nowMillis)) {
            exporter.export(snapshot.snapshot(), metrics, nowMillis);
        }
    }

    /** At the end of a bounded input: the final export (no-op without an exporter). */
    public void atEndOfInput(SnapshotSource snapshot, Map<String, Double> metrics, long nowMillis) {
        if (exporter != null) {
            exporter.export(snapshot.snapshot(), metrics, nowMillis);
        }
    }

    /** Takes the snapshot only when an export needs it (serialising a model is not free). */
    @FunctionalInterface
    public interface SnapshotSource {
        byte[] snapshot();
    }
}
