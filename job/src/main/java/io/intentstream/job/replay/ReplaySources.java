package io.intentstream.job.replay;

import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.source.InteractionDeserializationSchema;
import io.intentstream.job.source.InteractionRecord;

import java.nio.file.Path;
import java.util.Locale;

import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.hybrid.HybridSource;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;

/**
 * The sources a replay or backfill reads from, all emitting the job's {@link InteractionRecord}s so that
 * {@link io.intentstream.job.IntentStreamJob} runs unchanged on them:
 * <ul>
 *   <li>a file: benchmark sequences ({@link BenchmarkSequenceFormat}) or an Avro container of Interactions
 *       ({@link AvroInteractionFormat}), read once by Flink's FileSource (bounded);</li>
 *   <li>a bounded range of the interactions topic, from a {@link KafkaPosition} to a stop position;</li>
 *   <li>the live topic from a position (unbounded);</li>
 *   <li>backfill then live: a bounded source, then the live topic, as one {@link HybridSource}. The live part
 *       starts where the caller says; for no gap and no duplicate at the switch, the backfill's stop and the live
 *       start must be the same position (for Kafka: the same explicit offsets).</li>
 * </ul>
 */
public final class ReplaySources {

    /** Items held out at the end of each user by the leave-one-out split (validation and test targets). */
    public static final int LEAVE_ONE_OUT_HOLDOUT = 2;

    private ReplaySources() {}

    /** The file's format: Avro container files end in {@code .avro}; anything else is benchmark sequences. */
    public static boolean isAvroFile(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".avro");
    }

    /**
     * A bounded source over one file.
     *
     * @param heldOutPerUser benchmark files only: items left out at the end of each user (0, or
     *     {@link #LEAVE_ONE_OUT_HOLDOUT} to train as offline {@code train} does); must be 0 for Avro files
     */
    public static FileSource<InteractionRecord> file(Path file, int activeUsers, int heldOutPerUser) {
        String name = "file:" + file.toAbsolutePath();
        StreamFormat<InteractionRecord> format;
        if (isAvroFile(file)) {
            if (heldOutPerUser != 0) {
                throw new IllegalArgumentException("a holdout needs per-user sequences (a benchmark file); "
                        + file + " is an Avro file of single interactions");
            }
            format = new AvroInteractionFormat(name);
        } else {
            format = new BenchmarkSequenceFormat(name, activeUsers, heldOutPerUser);
        }
        return FileSource.forRecordStreamFormat(format,
                new org.apache.flink.core.fs.Path(file.toAbsolutePath().toUri())).build();
    }

    /** The interactions topic of {@code options} from {@code start} up to (not including) {@code stop}. */
    public static KafkaSource<InteractionRecord> kafkaRange(Configuration options, KafkaPosition start,
            KafkaPosition stop) {
        String topic = options.get(IntentStreamOptions.INPUT_TOPIC);
        return kafka(options, start).setBounded(stop.asStop(topic)).build();
    }

    /** The interactions topic of {@code options} from {@code start} on, never finishing. */
    public static KafkaSource<InteractionRecord> kafkaLive(Configuration options, KafkaPosition start) {
        return kafka(options, start).build();
    }

    /** {@code backfill} to its end, then {@code live}, in one source: the job's state and model carry over. */
    public static HybridSource<InteractionRecord> backfillThenLive(Source<InteractionRecord, ?, ?> backfill,
            Source<InteractionRecord, ?, ?> live) {
        return HybridSource.builder(backfill).addSource(live).build();
    }

    private static KafkaSourceBuilder<InteractionRecord> kafka(Configuration options, KafkaPosition start) {
        IntentStreamOptions.validate(options);
        String topic = options.get(IntentStreamOptions.INPUT_TOPIC);
        return KafkaSource.<InteractionRecord>builder()
                .setBootstrapServers(options.get(IntentStreamOptions.BOOTSTRAP_SERVERS))
                .setTopics(topic)
                .setGroupId(options.get(IntentStreamOptions.CONSUMER_GROUP))
                .setDeserializer(new InteractionDeserializationSchema())
                .setStartingOffsets(start.asStart(topic))
                .setProperty("isolation.level", "read_committed");
    }
}
