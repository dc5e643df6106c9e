package io.intentstream.job;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Interaction;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.demo.AvroBinary;
import io.intentstream.job.source.EventIds;
import io.intentstream.job.source.InteractionRecord;
import io.intentstream.job.testing.AvroFileSink;
import io.intentstream.job.testing.DecodedRecords;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 10^5 records of good and bad input, mixed at random, through the whole job on a MiniCluster: nothing fails the
 * job, every valid event is answered exactly once on both outputs, and every bad record is one dead letter with
 * the reason of its kind.
 */
class FuzzInputITCase {

    private static final Logger LOG = LoggerFactory.getLogger(FuzzInputITCase.class);

    private static final long RECORDS = 100_000;
    private static final long T0 = 1_704_067_200_000L; // 2024-01-01

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
                    .build());

    /** What record i is; a function of i alone, so the test knows what the job was sent. */
    enum Kind {
        GOOD(null), GOOD_WITHOUT_EVENT_ID(null), RANDOM_BYTES("UNDECODABLE"), TRUNCATED("UNDECODABLE"),
        TRAILING_BYTES("UNDECODABLE"), NULL_VALUE("UNDECODABLE"), EMPTY_EVENT_ID("INVALID"), BLANK_USER("INVALID"),
        BLANK_ITEM("INVALID"), LONG_USER("INVALID"), LONG_ITEM("INVALID"), FAR_PAST("INVALID"), NEGATIVE_TIME("INVALID"),
        FAR_FUTURE("INVALID"), DUPLICATE("DUPLICATE");

        final String reason;

        Kind(String reason) {
            this.reason = reason;
        }

        /** About 70 % good, the rest spread over the bad kinds; a duplicate needs an earlier good record. */
        static Kind of(long i) {
            Kind drawn = drawn(i);
            return drawn == DUPLICATE && earlierGoodOfSameUser(i) < 0 ? GOOD : drawn;
        }

        static Kind drawn(long i) {
            SplittableRandom random = new SplittableRandom(i * 0x9E3779B97F4A7C15L);
            if (random.nextInt(100) < 70) {
                return random.nextInt(10) == 0 ? GOOD_WITHOUT_EVENT_ID : GOOD;
            }
            return values()[2 + random.nextInt(values().length - 2)];
        }

        boolean good() {
            return reason == null;
        }
    }

    static String user(long i) {
        return "user-" + (i % 2_000);
    }

    /** A good interaction for record i (also what a bad one is derived from). */
    static Interaction good(long i) {
        return Interaction.newBuilder()
                .setEventId("event-" + i)
                .setUserId(user(i))
                .setItemId("item-" + ((i * 31 + i / 7) % 500))
                .setEventTime(Instant.ofEpochMilli(T0 + i * 10))
                .setEventType(i % 3 == 0 ? "purchase" : "view")
                .build();
    }

    /** The bytes of record i. */
    static byte[] value(long i) {
        Kind kind = Kind.of(i);
        SplittableRandom random = new SplittableRandom(i);
        Interaction base = good(i);
        return switch (kind) {
            case GOOD -> AvroBinary.encode(base);
            case GOOD_WITHOUT_EVENT_ID -> AvroBinary.encode(Interaction.newBuilder(base).setEventId(null).build());
            case RANDOM_BYTES -> {
                byte[] bytes = new byte[random.nextInt(1, 80)];
                random.nextBytes(bytes);
                yield bytes;
            }
            case TRUNCATED -> {
                byte[] valid = AvroBinary.encode(base);
                yield Arrays.copyOf(valid, random.nextInt(1, valid.length));
            }
            case TRAILING_BYTES -> {
                byte[] valid = AvroBinary.encode(base);
                yield Arrays.copyOf(valid, valid.length + random.nextInt(1, 8));
            }
            case NULL_VALUE -> null;
            case EMPTY_EVENT_ID -> AvroBinary.encode(Interaction.newBuilder(base).setEventId("").build());
            case BLANK_USER -> AvroBinary.encode(Interaction.newBuilder(base).setUserId("  ").build());
            case BLANK_ITEM -> AvroBinary.encode(Interaction.newBuilder(base).setItemId("").build());
            case LONG_USER -> AvroBinary.encode(Interaction.newBuilder(base).setUserId("u".repeat(100_000)).build());
            case LONG_ITEM -> AvroBinary.encode(Interaction.newBuilder(base).setItemId("i".repeat(257)).build());
            case FAR_PAST -> AvroBinary.encode(Interaction.newBuilder(base)
                    .setEventTime(Instant.ofEpochMilli(random.nextLong(0, 946_684_800_000L))).build());
            case NEGATIVE_TIME -> AvroBinary.encode(Interaction.newBuilder(base)
                    .setEventTime(Instant.ofEpochMilli(-random.nextLong(1, Long.MAX_VALUE / 2))).build());
            case FAR_FUTURE -> AvroBinary.encode(Interaction.newBuilder(base)
                    .setEventTime(Instant.parse("2100-01-01T00:00:00Z")).build());
            // An earlier good record of the same user sent again, byte for byte (a producer's retry).
            case DUPLICATE -> value(earlierGoodOfSameUser(i));
        };
    }

    /** The latest earlier record of the same user drawn good (good draws stay good), or -1. */
    static long earlierGoodOfSameUser(long i) {
        for (long j = i - 2_000; j >= 0; j -= 2_000) {
            if (Kind.drawn(j).good()) {
                return j;
            }
        }
        return -1;
    }

    /** The event id the job should answer record i with, for the good kinds. */
    static String expectedEventId(long i) {
        Interaction base = good(i);
        return Kind.of(i) == Kind.GOOD_WITHOUT_EVENT_ID
                ? EventIds.derive(Interaction.newBuilder(base).setEventId(null).build())
                : base.getEventId();
    }

    private static void assertAnsweredOnce(List<String> answeredIds, Set<String> goodIds, String what) {
        Set<String> distinct = new HashSet<>(answeredIds);
        assertThat(answeredIds.size() - distinct.size()).as("%s answering an event twice", what).isZero();
        Set<String> missing = new HashSet<>(goodIds);
        missing.removeAll(distinct);
        distinct.removeAll(goodIds);
        assertThat(missing).as("good events without %s", what).isEmpty();
        assertThat(distinct).as("%s for events never sent as good", what).isEmpty();
    }

    private static final class Records extends DecodedRecords {
        private static final long serialVersionUID = 1L;

        Records() {
            super("fuzz");
        }

        @Override
        protected byte[] value(long i) {
            return FuzzInputITCase.value(i);
        }
    }

    @Test
    // About a minute on a quiet 2-core machine; the bound leaves room for a machine shared with other builds.
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void everyGoodRecordIsAnsweredOnceAndEveryBadOneIsOneDeadLetterWithItsReason(@TempDir Path dir)
            throws Exception {
        Configuration options = IntentStreamOptions.fromArgs(
                "--sequence.max-length", "5",
                "--model.hidden-size", "16",
                "--model.layers", "1",
                "--model.clusters", "4",
                "--model.item-capacity", "512",
                "--model.device", "CPU",
                // The contrastive terms cost O(B^2) per step (2B x 2B similarities): batches of 2048 made the
                // run several times slower than these.
                "--training.batch-size", "256",
                "--training.centre-warm-up", "256",
                "--recommend.top-n", "3",
                "--checkpointing.interval", "2 s");
        options.set(RestartStrategyOptions.RESTART_STRATEGY, "none"); // any failure fails the test at once
        Path intents = Files.createDirectory(dir.resolve("intents"));
        Path recommendations = Files.createDirectory(dir.resolve("recommendations"));
        Path deadLetters = Files.createDirectory(dir.resolve("dead-letters"));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                IntentStreamJob.localClusterConfiguration(options, dir.resolve("checkpoints")));
        env.setParallelism(2);
        new IntentStreamJob(options,
                new DataGeneratorSource<>(new Records(), RECORDS, TypeInformation.of(InteractionRecord.class)),
                new AvroFileSink<>(intents, IntentAssignment.class),
                new AvroFileSink<>(recommendations, Recommendation.class),
                new AvroFileSink<>(deadLetters, DeadLetter.class))
                .build(env);
        long started = System.nanoTime();
        env.execute("intent-stream fuzz");
        double seconds = (System.nanoTime() - started) / 1e9;

        Map<Kind, Long> sent = new EnumMap<>(Kind.class);
        Set<String> goodIds = new HashSet<>();
        Map<Long, Kind> badByOffset = new HashMap<>();
        for (long i = 0; i < RECORDS; i++) {
            Kind kind = Kind.of(i);
            sent.merge(kind, 1L, Long::sum);
            if (kind.reason == null) {
                assertThat(goodIds.add(expectedEventId(i))).as("generated event ids are unique").isTrue();
            } else {
                badByOffset.put(i, kind);
            }
        }
        List<IntentAssignment> intentRecords = AvroFileSink.read(intents, IntentAssignment.class);
        List<Recommendation> recommendationRecords = AvroFileSink.read(recommendations, Recommendation.class);
        List<DeadLetter> deadLetterRecords = AvroFileSink.read(deadLetters, DeadLetter.class);

        // Hash-based comparisons: AssertJ's containsExactlyInAnyOrder is quadratic, minutes at this size.
        assertAnsweredOnce(intentRecords.stream().map(IntentAssignment::getEventId).toList(), goodIds, "intents");
        assertAnsweredOnce(recommendationRecords.stream().map(Recommendation::getEventId).toList(), goodIds,
                "recommendations");
        assertThat(deadLetterRecords).hasSize(badByOffset.size());
        Map<Long, DeadLetter> lettersByOffset = deadLetterRecords.stream()
                .collect(Collectors.toMap(DeadLetter::getSourceOffset, Function.identity()));
        // A duplicate and its original may arrive in either order (two source subtasks): whichever comes second
        // is the dead letter, so duplicates are matched by the event they repeat.
        for (Map.Entry<Long, Kind> bad : badByOffset.entrySet()) {
            long offset = bad.getKey();
            DeadLetter letter = lettersByOffset.get(offset);
            if (bad.getValue() == Kind.DUPLICATE && letter == null) {
                letter = lettersByOffset.get(earlierGoodOfSameUser(offset));
            }
            assertThat(letter).as("dead letter of record %d (%s)", offset, bad.getValue()).isNotNull();
            assertThat(letter.getReason()).as("reason of record %d (%s)", offset, bad.getValue())
                    .startsWith(bad.getValue().reason + ": ");
        }
        Map<String, Long> reasons = deadLetterRecords.stream()
                .collect(Collectors.groupingBy(d -> d.getReason().substring(0, d.getReason().indexOf(':')),
                        Collectors.counting()));
        LOG.info("Fuzz: {} records in {} s ({} records/s); sent {}; good (distinct event ids) {} -> intents {}, "
                        + "recommendations {}; bad {} -> dead letters {} {}",
                RECORDS, String.format("%.1f", seconds), Math.round(RECORDS / seconds), sent, goodIds.size(),
                intentRecords.size(), recommendationRecords.size(), badByOffset.size(), deadLetterRecords.size(),
                reasons);
    }
}
