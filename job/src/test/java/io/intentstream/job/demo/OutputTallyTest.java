package io.intentstream.job.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

class OutputTallyTest {

    @Test
    void keepsEachUsersAssignmentForTheirNewestEventWhateverTheReadingOrder() {
        OutputTally tally = new OutputTally();
        tally.onIntent(intent("e-2", "u-1", 2_000, 5, 3), null);
        tally.onIntent(intent("e-1", "u-1", 1_000, 2, 4), null);
        tally.onIntent(intent("e-3", "u-2", 1_500, 7, 2), null);
        assertThat(tally.lastClusterByUser()).containsOnly(
                java.util.Map.entry("u-1", 5), java.util.Map.entry("u-2", 7));
        assertThat(tally.intents()).isEqualTo(3);
        assertThat(tally.maxModelVersion()).isEqualTo(4);
    }

    @Test
    void countsRecommendationsAndDeadLettersByReasonCode() {
        OutputTally tally = new OutputTally();
        tally.onRecommendation(Recommendation.newBuilder().setEventId("e-1").setUserId("u-1")
                .setEventTime(Instant.ofEpochMilli(1)).setModelVersion(9).setItems(List.of()).build(), null);
        tally.onDeadLetter(deadLetter("UNDECODABLE: truncated"), null);
        tally.onDeadLetter(deadLetter("INVALID: user_id is blank"), null);
        tally.onDeadLetter(deadLetter("INVALID: item_id is blank"), null);
        assertThat(tally.recommendations()).isEqualTo(1);
        assertThat(tally.maxModelVersion()).isEqualTo(9);
        assertThat(tally.deadLetters()).isEqualTo(3);
        assertThat(tally.deadLettersByReason()).containsOnly(
                java.util.Map.entry("UNDECODABLE", 1L), java.util.Map.entry("INVALID", 2L));
    }

    @Test
    void countsValidEventsWithoutAnIntentAndEventsAnsweredMoreThanOnce() {
        OutputTally tally = new OutputTally();
        tally.onIntent(intent("e-1", "u-1", 1_000, 1, 1), null);
        tally.onIntent(intent("e-2", "u-1", 2_000, 1, 1), null);
        tally.onIntent(intent("e-2", "u-1", 2_000, 1, 1), null);
        Recommendation r3 = Recommendation.newBuilder().setEventId("e-3").setUserId("u-1")
                .setEventTime(Instant.ofEpochMilli(3)).setModelVersion(1).setItems(List.of()).build();
        tally.onRecommendation(r3, null);
        tally.onRecommendation(r3, null);

        assertThat(tally.missing(List.of("e-1", "e-2", "e-3", "e-4"))).isEqualTo(2);
        assertThat(tally.duplicated()).as("e-2 twice as intent, e-3 twice as recommendation").isEqualTo(2);
    }

    @Test
    void reasonCodeIsTheLeadingWord() {
        assertThat(OutputTally.reasonCode("INVALID: x")).isEqualTo("INVALID");
        assertThat(OutputTally.reasonCode("  UNDECODABLE")).isEqualTo("UNDECODABLE");
        assertThat(OutputTally.reasonCode(": nothing")).isEqualTo("UNKNOWN");
    }

    private static IntentAssignment intent(String eventId, String user, long eventTime, int cluster, long version) {
        return IntentAssignment.newBuilder().setEventId(eventId).setUserId(user)
                .setEventTime(Instant.ofEpochMilli(eventTime)).setEmitTime(Instant.ofEpochMilli(eventTime + 1))
                .setModelVersion(version).setClusterId(cluster).setClusterDistance(0.1f)
                .setRunnerUpClusterId((cluster + 1) % 8).setRunnerUpDistance(0.2f).build();
    }

    private static DeadLetter deadLetter(String reason) {
        return DeadLetter.newBuilder().setPayload(ByteBuffer.wrap(new byte[] {1})).setReason(reason)
                .setSourceTopic("interactions").setSourcePartition(0).setSourceOffset(3)
                .setFailedAt(Instant.ofEpochMilli(5)).build();
    }
}
