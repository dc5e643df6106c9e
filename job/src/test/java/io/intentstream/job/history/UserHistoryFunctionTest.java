package io.intentstream.job.history;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.Interaction;
import io.intentstream.job.demo.AvroBinary;
import io.intentstream.job.source.InteractionRecord;
import io.intentstream.model.catalog.ItemFingerprint;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;

import static io.intentstream.job.TestInteractions.interaction;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UserHistoryFunctionTest {

    private static final int T = 3;
    private static final Duration TTL = Duration.ofMinutes(10);
    private static final Duration RETENTION = Duration.ofMinutes(2);

    private KeyedOneInputStreamOperatorTestHarness<String, InteractionRecord, SequenceEvent> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new UserHistoryFunction(T, TTL, RETENTION)), r -> r.interaction.getUserId(),
                Types.STRING);
        harness.setup();
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private static long offset;

    /** A valid record as the router passes it on, with its bytes and a source position. */
    private static InteractionRecord record(Interaction interaction) {
        InteractionRecord record = new InteractionRecord();
        record.interaction = interaction;
        record.payload = AvroBinary.encode(interaction);
        record.topic = "interactions";
        record.offset = offset++;
        return record;
    }

    private List<DeadLetter> duplicates() {
        var side = harness.getSideOutput(UserHistoryFunction.DUPLICATES);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }

    private static long[] fingerprints(String... items) {
        return java.util.Arrays.stream(items).mapToLong(ItemFingerprint::of).toArray();
    }

    private List<SequenceEvent> emitted() {
        return harness.extractOutputValues();
    }

    @Test
    void emitsTheHistoryBeforeEachEventOldestFirst() throws Exception {
        harness.processElement(record(interaction("e1", "u", "a", 1_000)), 1_000);
        harness.processElement(record(interaction("e2", "u", "b", 2_000)), 2_000);
        harness.processElement(record(interaction("e3", "u", "c", 3_000)), 3_000);

        List<SequenceEvent> out = emitted();
        assertThat(out).extracting(e -> e.eventId).containsExactly("e1", "e2", "e3");
        assertThat(out.get(0).history).isEmpty();
        assertThat(out.get(1).history).containsExactly(fingerprints("a"));
        assertThat(out.get(2).history).containsExactly(fingerprints("a", "b"));
        assertThat(out.get(2).itemId).isEqualTo("c");
        assertThat(out.get(2).userId).isEqualTo("u");
        assertThat(out.get(2).eventTime).isEqualTo(3_000);
    }

    @Test
    void keepsExactlyTheLastTItemsInOrder() throws Exception {
        String[] items = {"a", "b", "c", "d", "e", "f"};
        for (int i = 0; i < items.length; i++) {
            harness.processElement(record(interaction("e" + i, "u", items[i], i)), i);
        }
        List<SequenceEvent> out = emitted();
        assertThat(out.get(5).history).containsExactly(fingerprints("c", "d", "e"));
        assertThat(out).allSatisfy(e -> assertThat(e.history.length).isLessThanOrEqualTo(T));

        harness.processElement(record(interaction("next", "u", "g", 99)), 99);
        assertThat(emitted().get(6).history).containsExactly(fingerprints("d", "e", "f"));
        assertThat(harness.numKeyedStateEntries()).as("the history and the map of seen event ids").isEqualTo(2);
    }

    @Test
    void keepsUsersApart() throws Exception {
        harness.processElement(record(interaction("e1", "u1", "a", 1)), 1);
        harness.processElement(record(interaction("e2", "u2", "b", 2)), 2);
        harness.processElement(record(interaction("e3", "u1", "c", 3)), 3);
        harness.processElement(record(interaction("e4", "u2", "d", 4)), 4);

        List<SequenceEvent> out = emitted();
        assertThat(out.get(2).history).containsExactly(fingerprints("a"));
        assertThat(out.get(3).history).containsExactly(fingerprints("b"));
    }

    @Test
    void forgetsUsersInactiveForLongerThanTheTtl() throws Exception {
        // State TTL reads its own clock, which the harness drives separately from timer time.
        harness.setStateTtlProcessingTime(0);
        harness.processElement(record(interaction("e1", "idle", "a", 1)), 1);
        harness.processElement(record(interaction("e2", "active", "x", 1)), 1);

        harness.setStateTtlProcessingTime(TTL.toMillis() - 1);
        harness.processElement(record(interaction("e3", "active", "y", 2)), 2);

        harness.setStateTtlProcessingTime(TTL.toMillis() + 1);
        harness.processElement(record(interaction("e4", "idle", "b", 3)), 3);
        harness.processElement(record(interaction("e5", "active", "z", 3)), 3);

        List<SequenceEvent> out = emitted();
        assertThat(out.get(3).eventId).isEqualTo("e4");
        assertThat(out.get(3).history).as("expired user starts over").isEmpty();
        assertThat(out.get(4).history).as("a write refreshes the TTL").containsExactly(fingerprints("x", "y"));
    }

    @Test
    void sendsAnEventIdTheUserAlreadySentToDuplicatesWithoutTouchingTheHistory() throws Exception {
        harness.processElement(record(interaction("e1", "u", "a", 1)), 1);
        Interaction copy = interaction("e1", "u", "b", 2);
        harness.processElement(record(copy), 2);
        harness.processElement(record(interaction("e1", "other-user", "c", 3)), 3);
        harness.processElement(record(interaction("e2", "u", "d", 4)), 4);

        assertThat(emitted()).extracting(e -> e.eventId + "/" + e.userId)
                .containsExactly("e1/u", "e1/other-user", "e2/u");
        assertThat(emitted().get(2).history).as("the duplicate left no trace").containsExactly(fingerprints("a"));
        assertThat(duplicates()).singleElement().satisfies(letter -> {
            assertThat(letter.getReason()).isEqualTo("DUPLICATE: user u already sent event_id e1");
            assertThat(letter.getPayload().array()).isEqualTo(AvroBinary.encode(copy));
            assertThat(letter.getSourceTopic()).isEqualTo("interactions");
        });
    }

    @Test
    void forgetsEventIdsAfterTheDuplicateRetention() throws Exception {
        harness.setStateTtlProcessingTime(0);
        harness.processElement(record(interaction("e1", "u", "a", 1)), 1);
        harness.setStateTtlProcessingTime(RETENTION.toMillis() - 1);
        harness.processElement(record(interaction("e1", "u", "a", 1)), 1);
        harness.setStateTtlProcessingTime(RETENTION.toMillis() + 1);
        harness.processElement(record(interaction("e1", "u", "a", 1)), 1);

        assertThat(duplicates()).hasSize(1);
        assertThat(emitted()).hasSize(2);
    }

    @Test
    void appendDropsTheOldestBeyondTheMaximum() {
        long[] full = LongStream.rangeClosed(1, T).toArray();
        assertThat(UserHistoryFunction.append(full, 9, T)).containsExactly(2, 3, 9);
        assertThat(UserHistoryFunction.append(new long[0], 9, T)).containsExactly(9);
    }

    @Test
    void rejectsNonPositiveSettings() {
        assertThatThrownBy(() -> new UserHistoryFunction(0, TTL, RETENTION)).hasMessageContaining("maxLength");
        assertThatThrownBy(() -> new UserHistoryFunction(T, Duration.ZERO, RETENTION)).hasMessageContaining("ttl");
        assertThatThrownBy(() -> new UserHistoryFunction(T, TTL, Duration.ZERO))
                .hasMessageContaining("duplicateRetention");
    }
}
