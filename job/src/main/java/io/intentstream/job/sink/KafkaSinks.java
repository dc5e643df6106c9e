package io.intentstream.job.sink;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.config.IntentStreamOptions;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchemaBuilder;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.formats.avro.AvroSerializationSchema;

import java.nio.charset.StandardCharsets;

/**
 * The three Kafka sinks of the job. Values are plain Avro binary (no schema-registry header) of the generated
 * classes; intents and recommendations are keyed by user id, so one user's outputs stay in order in one partition.
 */
public final class KafkaSinks {

    private KafkaSinks() {}

    public static KafkaSink<IntentAssignment> intents(Configuration options) {
        return sink(options, options.get(IntentStreamOptions.INTENTS_TOPIC), "intents", IntentAssignment.class,
                (SerializationSchema<IntentAssignment>) a -> a.getUserId().getBytes(StandardCharsets.UTF_8));
    }

    public static KafkaSink<Recommendation> recommendations(Configuration options) {
        return sink(options, options.get(IntentStreamOptions.RECOMMENDATIONS_TOPIC), "recommendations",
                Recommendation.class,
                (SerializationSchema<Recommendation>) r -> r.getUserId().getBytes(StandardCharsets.UTF_8));
    }

    /** Dead letters carry no trusted user id, so they are not keyed. */
    public static KafkaSink<DeadLetter> deadLetters(Configuration options) {
        return sink(options, options.get(IntentStreamOptions.DEAD_LETTER_TOPIC), "dead-letters", DeadLetter.class,
                null);
    }

    private static <T extends SpecificRecord> KafkaSink<T> sink(
            Configuration options, String topic, String suffix, Class<T> type, SerializationSchema<T> key) {
        KafkaRecordSerializationSchemaBuilder<T> serializer = KafkaRecordSerializationSchema.<T>builder()
                .setTopic(topic)
                .setValueSerializationSchema(AvroSerializationSchema.forSpecific(type));
        if (key != null) {
            serializer.setKeySerializationSchema(key);
        }
        DeliveryGuarantee guarantee = options.get(IntentStreamOptions.DELIVERY_GUARANTEE);
        return KafkaSink.<T>builder()
                .setBootstrapServers(options.get(IntentStreamOptions.BOOTSTRAP_SERVERS))
                .setRecordSerializer(serializer.build())
                .setDeliveryGuarantee(guarantee)
                // One prefix per sink: three sinks sharing a prefix would fence each other's transactions.
                .setTransactionalIdPrefix(options.get(IntentStreamOptions.TRANSACTIONAL_ID_PREFIX) + "-" + suffix)
                .setProperty("transaction.timeout.ms",
                        Long.toString(options.get(IntentStreamOptions.TRANSACTION_TIMEOUT).toMillis()))
                .build();
    }
}
