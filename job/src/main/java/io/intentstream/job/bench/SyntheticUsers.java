package io.intentstream.job.bench;

import io.intentstream.avro.Interaction;
import io.intentstream.job.demo.AvroBinary;
import io.intentstream.job.demo.PlantedIntentStream;
import io.intentstream.job.source.InteractionRecord;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * A synthetic stream of {@code users} distinct users who each send {@code eventsPerUser} events over a catalogue
 * of {@code items} items. Users arrive {@link #ACTIVE_USERS} at a time and take turns (round-robin), so a user's
 * events are a few thousand events apart, as in live traffic, and every user ends up in the keyed state.
 *
 * <p>The source emits the whole stream and then idles without finishing: a finished job disposes its RocksDB
 * instance, and the scale run measures the state (heap, disk, keys) while it is still there, then cancels the job.
 */
public final class SyntheticUsers implements GeneratorFunction<Long, InteractionRecord> {

    private static final long serialVersionUID = 1L;

    /** Users interleaved at once. */
    static final int ACTIVE_USERS = 1000;

    private final int users;
    private final int eventsPerUser;
    private final int items;

    public SyntheticUsers(int users, int eventsPerUser, int items) {
        if (users < 1 || eventsPerUser < 1 || items < 1) {
            throw new IllegalArgumentException("users, eventsPerUser and items must be at least 1, got " + users + ", "
                    + eventsPerUser + " and " + items);
        }
        this.users = users;
        this.eventsPerUser = eventsPerUser;
        this.items = items;
    }

    public long events() {
        return (long) users * eventsPerUser;
    }

    /** The user of event {@code index} (0-based user number). */
    int user(long index) {
        long block = index / ((long) ACTIVE_USERS * eventsPerUser);
        int blockUsers = (int) Math.min(ACTIVE_USERS, users - block * ACTIVE_USERS);
        long inBlock = index - block * ACTIVE_USERS * eventsPerUser;
        return (int) (block * ACTIVE_USERS + inBlock % blockUsers);
    }

    /** How many events the user of event {@code index} sent before it. */
    int turn(long index) {
        long block = index / ((long) ACTIVE_USERS * eventsPerUser);
        int blockUsers = (int) Math.min(ACTIVE_USERS, users - block * ACTIVE_USERS);
        long inBlock = index - block * ACTIVE_USERS * eventsPerUser;
        return (int) (inBlock / blockUsers);
    }

    @Override
    public InteractionRecord map(Long index) {
        int user = user(index);
        int turn = turn(index);
        // A fixed scramble so a user's items differ and the catalogue is covered evenly.
        int item = (int) Math.floorMod(user * 7919L + turn * 104_729L, (long) items);
        Interaction interaction = Interaction.newBuilder()
                .setEventId("u-" + user + "-" + turn)
                .setUserId("u-" + user)
                .setItemId("item-" + item)
                .setEventTime(Instant.ofEpochMilli(
                        PlantedIntentStream.START_MILLIS + index * PlantedIntentStream.EVENT_SPACING_MILLIS))
                .build();
        return InteractionRecord.decoded(interaction, AvroBinary.encode(interaction), "synthetic-users", 0, index);
    }

    /** The source: the stream, then idle until cancelled. Parallelism 1 (the order above is one reader's). */
    public DataGeneratorSource<InteractionRecord> source() {
        // One index more than the stream: its permit is never granted, so the reader neither emits nor finishes.
        return new DataGeneratorSource<>(this, events() + 1, new HoldAfter(events()),
                TypeInformation.of(InteractionRecord.class));
    }

    /** Grants {@code permits} records at once, then none: the reader waits (without blocking its thread). */
    static final class HoldAfter implements RateLimiterStrategy<SourceSplit> {
        private static final long serialVersionUID = 1L;
        private final long permits;

        HoldAfter(long permits) {
            this.permits = permits;
        }

        @Override
        public RateLimiter<SourceSplit> createRateLimiter(int parallelism) {
            if (parallelism != 1) {
                throw new IllegalStateException("the synthetic stream is one reader's order; got parallelism "
                        + parallelism);
            }
            return new RateLimiter<>() {
                private final CompletableFuture<Void> never = new CompletableFuture<>();
                private long granted;

                @Override
                public CompletionStage<Void> acquire(int requestSize) {
                    if (granted + requestSize > permits) {
                        return never;
                    }
                    granted += requestSize;
                    return CompletableFuture.completedFuture(null);
                }
            };
        }
    }
}
