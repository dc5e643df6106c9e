package io.intentstream.job.source;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.Interaction;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.time.Instant;

/** Passes valid interactions on and turns every rejected record into a {@link DeadLetter} on a side output. */
public final class DeadLetterRouter extends ProcessFunction<InteractionRecord, Interaction> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    @Override
    public void processElement(InteractionRecord record, Context ctx, Collector<Interaction> out) {
        if (record.isValid()) {
            out.collect(record.interaction);
        } else {
            ctx.output(DEAD_LETTERS, record.toDeadLetter(Instant.ofEpochMilli(ctx.timerService().currentProcessingTime())));
        }
    }
}
