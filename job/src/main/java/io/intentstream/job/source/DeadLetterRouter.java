package io.intentstream.job.source;

import io.intentstream.avro.DeadLetter;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.time.Instant;

/**
 * Passes valid interactions on (still with their source coordinates, for a later dead letter) and turns every
 * rejected record into a {@link DeadLetter} on a side output. Dead letters are counted once, by reason, on their
 * way to the sink ({@link io.intentstream.job.metrics.DeadLetterMetrics}), whichever operator rejected them.
 */
public final class DeadLetterRouter extends ProcessFunction<InteractionRecord, InteractionRecord> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    @Override
    public void processElement(InteractionRecord record, Context ctx, Collector<InteractionRecord> out) {
        if (record.isValid()) {
            out.collect(record);
        } else {
            ctx.output(DEAD_LETTERS, record.toDeadLetter(Instant.ofEpochMilli(ctx.timerService().currentProcessingTime())));
        }
    }
}
