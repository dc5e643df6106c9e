package io.intentstream.job.replay;

import io.intentstream.job.config.IntentStreamOptions;

import java.io.Serializable;
import java.util.Map;

import org.apache.flink.configuration.Configuration;

/**
 * How the training operator's model meets the outside: the snapshot it starts from when it has no state
 * ({@link IntentStreamOptions#MODEL_INIT_PATH}), where it exports snapshots
 * ({@link IntentStreamOptions#EXPORT_DIRECTORY}), and the compacted topic it publishes its centres to
 * ({@link IntentStreamOptions#CENTRES_TOPIC}). Each part may be absent.
 *
 * <p>An export or publication while the job runs that fails is logged and tried again at the next interval: it
 * must not restart the job. The export at the end of a bounded input fails the job, since it is the run's result.
 */
public final class ModelExchange implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Neither a warm start nor an export. */
    public static final ModelExchange NONE = new ModelExchange(null, null, null);

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ModelExchange.class);

    private final InitialModel initialModel;
    private final ModelExporter exporter;
    private final CentrePublisher centres;

    public ModelExchange(InitialModel initialModel, ModelExporter exporter, CentrePublisher centres) {
        this.initialModel = initialModel;
        this.exporter = exporter;
        this.centres = centres;
    }

    public static ModelExchange from(Configuration options) {
        IntentStreamOptions.validate(options);
        InitialModel initial = options.getOptional(IntentStreamOptions.MODEL_INIT_PATH)
                .map(InitialModel::new)
                .orElse(null);
        ModelExporter exporter = options.getOptional(IntentStreamOptions.EXPORT_DIRECTORY)
                .map(location -> new ModelExporter(location,
                        options.getOptional(IntentStreamOptions.EXPORT_INTERVAL).orElse(null),
                        options.get(IntentStreamOptions.EXPORT_RETENTION)))
                .orElse(null);
        CentrePublisher centres = options.getOptional(IntentStreamOptions.CENTRES_TOPIC)
                .map(topic -> new CentrePublisher(options.get(IntentStreamOptions.BOOTSTRAP_SERVERS), topic,
                        options.get(IntentStreamOptions.CENTRES_INTERVAL)))
                .orElse(null);
        return new ModelExchange(initial, exporter, centres);
    }

    /** The warm-start snapshot as {@code OnlineTrainer.restore} takes it, or null to start a fresh model. */
    public byte[] initialSnapshot() {
        return initialModel == null ? null : initialModel.snapshotBytes();
    }

    public boolean exports() {
        return exporter != null;
    }

    /** After a batch: exports and publishes the centres when their intervals have passed. */
    public void afterBatch(SnapshotSource snapshot, Map<String, Double> metrics, long nowMillis) {
        boolean export = exporter != null && exporter.due(nowMillis);
        boolean publish = centres != null && centres.due(nowMillis);
        if (!export && !publish) {
            return;
        }
        byte[] bytes = snapshot.snapshot();
        if (export) {
            try {
                exporter.export(bytes, metrics, nowMillis);
            } catch (RuntimeException e) {
                LOG.warn("Model export to {} failed; trying again in the next interval", exporter.location(), e);
            }
        }
        if (publish) {
            try {
                centres.publish(bytes, nowMillis);
            } catch (RuntimeException e) {
                LOG.warn("Publishing the centres to {} failed; trying again in the next interval", centres.topic(), e);
            }
        }
    }

    /** At the end of a bounded input: the final export and centres. */
    public void atEndOfInput(SnapshotSource snapshot, Map<String, Double> metrics, long nowMillis) {
        if (exporter == null && centres == null) {
            return;
        }
        byte[] bytes = snapshot.snapshot();
        if (exporter != null) {
            exporter.export(bytes, metrics, nowMillis);
        }
        if (centres != null) {
            centres.publish(bytes, nowMillis);
        }
    }

    /** Takes the snapshot only when an export needs it (serialising a model is not free). */
    @FunctionalInterface
    public interface SnapshotSource {
        byte[] snapshot();
    }
}
