package io.intentstream.job.source;

import io.intentstream.avro.DeadLetter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/**
 * Passes valid interactions on (still with their source coordinates, for a later dead letter) and turns every
 * rejected record into a {@link DeadLetter} on a side output, counted per reason in the metric group
 * {@code deadLetters} ({@code deadLetters.UNDECODABLE}, {@code deadLetters.INVALID}).
 */
public final class DeadLetterRouter extends ProcessFunction<InteractionRecord, InteractionRecord> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    /** Metric group of the per-reason dead-letter counters (here and in the user history). */
    public static final String METRIC_GROUP = "deadLetters";

    private transient Map<RejectionReason, Counter> rejected;

    @Override
    public void open(OpenContext openContext) {
        rejected = new EnumMap<>(RejectionReason.class);
        for (RejectionReason reason : new RejectionReason[] {RejectionReason.UNDECODABLE, RejectionReason.INVALID}) {
            rejected.put(reason, getRuntimeContext().getMetricGroup().addGroup(METRIC_GROUP).counter(reason.name()));
        }
    }

    @Override
    public void processElement(InteractionRecord record, Context ctx, Collector<InteractionRecord> out) {
        if (record.isValid()) {
            out.collect(record);
        } else {
            rejected.get(record.rejection.startsWith(RejectionReason.UNDECODABLE.name())
                    ? RejectionReason.UNDECODABLE : RejectionReason.INVALID).inc();
            ctx.output(DEAD_LETTERS, record.toDeadLetter(Instant.ofEpochMilli(ctx.timerService().currentProcessingTime())));
        }
    }
}
