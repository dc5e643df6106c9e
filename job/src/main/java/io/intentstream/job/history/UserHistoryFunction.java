package io.intentstream.job.history;

import io.intentstream.avro.Interaction;
import io.intentstream.model.catalog.ItemFingerprint;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;
import java.util.Arrays;

/**
 * Keeps each user's last T items and turns every interaction into a {@link SequenceEvent} carrying the history
 * before it.
 *
 * <p>The state holds 64-bit item fingerprints, not embedding rows: the training operator's item index may evict
 * an item and give its row to another, which would silently rewrite every stored history holding that row. A
 * fingerprint keeps meaning the same item; the trainer maps it to the item's current row (or drops it if evicted).
 * Inactive users expire after the TTL (processing time), bounding the state for an open user population.
 */
public final class UserHistoryFunction extends KeyedProcessFunction<String, Interaction, SequenceEvent> {

    private static final long serialVersionUID = 1L;

    public static final String STATE_NAME = "recent-item-fingerprints";

    private final int maxLength;
    private final Duration ttl;

    private transient ValueState<long[]> recentItems;

    public UserHistoryFunction(int maxLength, Duration ttl) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be at least 1, got " + maxLength);
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, got " + ttl);
        }
        this.maxLength = maxLength;
        this.ttl = ttl;
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
    }

    @Override
    public void processElement(Interaction interaction, Context ctx, Collector<SequenceEvent> out) throws Exception {
        long[] before = recentItems.value();
        if (before == null) {
            before = new long[0];
        }
        out.collect(new SequenceEvent(interaction.getEventId(), interaction.getUserId(), interaction.getItemId(),
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
