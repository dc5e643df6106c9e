package io.intentstream.job.source;

import io.intentstream.job.config.IntentStreamOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** The Kafka source of interactions, configured from {@link IntentStreamOptions}. */
public final class KafkaInteractionSource {

    private KafkaInteractionSource() {}

    public static KafkaSource<InteractionRecord> create(Configuration options) {
        KafkaSourceBuilder<InteractionRecord> builder = KafkaSource.<InteractionRecord>builder()
                .setBootstrapServers(options.get(IntentStreamOptions.BOOTSTRAP_SERVERS))
                .setTopics(options.get(IntentStreamOptions.INPUT_TOPIC))
                .setGroupId(options.get(IntentStreamOptions.CONSUMER_GROUP))
                .setDeserializer(new InteractionDeserializationSchema(InteractionValidation.from(options)))
                .setStartingOffsets(switch (options.get(IntentStreamOptions.STARTING_OFFSETS)) {
                    case EARLIEST -> OffsetsInitializer.earliest();
                    case LATEST -> OffsetsInitializer.latest();
                    case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
                })
                // Input produced transactionally is read only once committed, like our own outputs downstream.
                .setProperty("isolation.level", "read_committed");
        if (options.get(IntentStreamOptions.BOUNDED)) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }
}
