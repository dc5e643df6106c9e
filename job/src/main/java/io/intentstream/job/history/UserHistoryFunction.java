package io.intentstream.job.history;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.Interaction;
import io.intentstream.job.source.InteractionRecord;
import io.intentstream.job.source.RejectionReason;
import io.intentstream.model.catalog.ItemFingerprint;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * Keeps each user's last T items and turns every interaction into a {@link SequenceEvent} carrying the history
 * before it; an interaction whose event id the same user already sent goes to {@link #DUPLICATES} instead.
 *
 * <p>The state holds 64-bit item fingerprints, not embedding rows: the training operator's item index may evict
 * an item and give its row to another, which would silently rewrite every stored history holding that row. A
 * fingerprint keeps meaning the same item; the trainer maps it to the item's current row (or drops it if evicted).
 * Inactive users expire after the TTL (processing time), bounding the state for an open user population.
 *
 * <p>Duplicates are recognised per user, by event id, within the duplicate retention: a map state of the user's
 * recent event ids whose entries expire one by one (processing-time TTL). Keyed by user, it costs no shuffle of
 * its own and scales with the job; ids shared by different users are not recognised (derived ids contain the
 * user, so they never are). After a restore the map is the checkpointed one, so events replayed from Kafka are
 * not taken for duplicates of their own first (rolled back) reading.
 */
public final class UserHistoryFunction extends KeyedProcessFunction<String, InteractionRecord, SequenceEvent> {

    private static final long serialVersionUID = 1L;

    public static final String STATE_NAME = "recent-item-fingerprints";
    public static final String SEEN_EVENTS_STATE_NAME = "recent-event-ids";

    /** Dead letters of duplicate events. */
    public static final OutputTag<DeadLetter> DUPLICATES =
            new OutputTag<>("duplicate-events", new AvroTypeInfo<>(DeadLetter.class));

    private final int maxLength;
    private final Duration ttl;
    private final Duration duplicateRetention;

    private transient ValueState<long[]> recentItems;
    private transient MapState<String, Boolean> seenEventIds;

    public UserHistoryFunction(int maxLength, Duration ttl, Duration duplicateRetention) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be at least 1, got " + maxLength);
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, got " + ttl);
        }
        if (duplicateRetention.isNegative() || duplicateRetention.isZero()) {
            throw new IllegalArgumentException("duplicateRetention must be positive, got " + duplicateRetention);
        }
        this.maxLength = maxLength;
        this.ttl = ttl;
        this.duplicateRetention = duplicateRetention;
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<long[]> descriptor =
                new ValueStateDescriptor<>(STATE_NAME, PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(ttl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build());
        recentItems = getRuntimeContext().getState(descriptor);
        MapStateDescriptor<String, Boolean> seen =
                new MapStateDescriptor<>(SEEN_EVENTS_STATE_NAME, Types.STRING, Types.BOOLEAN);
        seen.enableTimeToLive(StateTtlConfig.newBuilder(duplicateRetention)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build());
        seenEventIds = getRuntimeContext().getMapState(seen);
    }

    @Override
    public void processElement(InteractionRecord record, Context ctx, Collector<SequenceEvent> out) throws Exception {
        Interaction interaction = record.interaction;
        String eventId = interaction.getEventId();
        if (seenEventIds.contains(eventId)) {
            ctx.output(DUPLICATES, record.deadLetter(RejectionReason.DUPLICATE.describe(
                    "user " + interaction.getUserId() + " already sent event_id " + eventId),
                    Instant.ofEpochMilli(ctx.timerService().currentProcessingTime())));
            return;
        }
        seenEventIds.put(eventId, Boolean.TRUE);
        long[] before = recentItems.value();
        if (before == null) {
            before = new long[0];
        }
        out.collect(new SequenceEvent(eventId, interaction.getUserId(), interaction.getItemId(),
                interaction.getEventTime().toEpochMilli(), before));
        recentItems.update(append(before, ItemFingerprint.of(interaction.getItemId()), maxLength));
    }

    /** {@code history} plus {@code item} at the end, keeping only the last {@code maxLength}. */
    static long[] append(long[] history, long item, int maxLength) {
        int keep = Math.min(history.length, maxLength - 1);
        long[] next = Arrays.copyOfRange(history, history.length - keep, history.length + 1);
        next[keep] = item;
        return next;
    }
}
