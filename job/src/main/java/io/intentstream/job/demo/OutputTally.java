package io.intentstream.job.demo;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;

import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What the demo needs from the output topics, without keeping every record: counts, the newest model version,
 * each user's last intent assignment, and dead letters by reason code. Safe to read while the reader writes.
 */
public final class OutputTally implements OutputTopicReader.Listener {

    private final AtomicLong intents = new AtomicLong();
    private final AtomicLong recommendations = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicLong maxModelVersion = new AtomicLong(-1);
    private final Map<String, LastAssignment> lastAssignments = new ConcurrentHashMap<>();
    private final Map<String, Long> deadLettersByReason = new ConcurrentHashMap<>();
    /** Outputs per answered event id: how a consumer joins outputs to inputs, and how the demo counts exactly. */
    private final Map<String, Integer> intentsByEvent = new ConcurrentHashMap<>();
    private final Map<String, Integer> recommendationsByEvent = new ConcurrentHashMap<>();

    private record LastAssignment(Instant eventTime, int clusterId) {}

    @Override
    public void onIntent(IntentAssignment intent, ConsumerRecord<String, byte[]> record) {
        intents.incrementAndGet();
        intentsByEvent.merge(intent.getEventId(), 1, Integer::sum);
        maxModelVersion.accumulateAndGet(intent.getModelVersion(), Math::max);
        // The last assignment is the one answering the user's newest event; output order across partitions
        // and checkpoints is not event order, so compare event times.
        lastAssignments.merge(intent.getUserId(), new LastAssignment(intent.getEventTime(), intent.getClusterId()),
                (old, candidate) -> candidate.eventTime().isBefore(old.eventTime()) ? old : candidate);
    }

    @Override
    public void onRecommendation(Recommendation recommendation, ConsumerRecord<String, byte[]> record) {
        recommendations.incrementAndGet();
        recommendationsByEvent.merge(recommendation.getEventId(), 1, Integer::sum);
        maxModelVersion.accumulateAndGet(recommendation.getModelVersion(), Math::max);
    }

    @Override
    public void onDeadLetter(DeadLetter deadLetter, ConsumerRecord<String, byte[]> record) {
        deadLetters.incrementAndGet();
        deadLettersByReason.merge(reasonCode(deadLetter.getReason()), 1L, Long::sum);
    }

    /** The stable code a dead-letter reason starts with (its first word). */
    static String reasonCode(String reason) {
        String trimmed = reason.strip();
        int end = 0;
        while (end < trimmed.length() && (Character.isLetterOrDigit(trimmed.charAt(end)) || trimmed.charAt(end) == '_')) {
            end++;
        }
        return end == 0 ? "UNKNOWN" : trimmed.substring(0, end);
    }

    public long intents() {
        return intents.get();
    }

    public long recommendations() {
        return recommendations.get();
    }

    public long deadLetters() {
        return deadLetters.get();
    }

    /** The newest model version in any output, or -1 before the first. */
    public long maxModelVersion() {
        return maxModelVersion.get();
    }

    /** Each user's cluster id from the assignment answering their newest event. */
    public Map<String, Integer> lastClusterByUser() {
        Map<String, Integer> clusters = new ConcurrentHashMap<>();
        lastAssignments.forEach((user, last) -> clusters.put(user, last.clusterId()));
        return clusters;
    }

    /** Of {@code eventIds}, those without an intent. */
    public long missing(Collection<String> eventIds) {
        return eventIds.stream().filter(id -> !intentsByEvent.containsKey(id)).count();
    }

    /** Events answered by more than one intent or more than one recommendation. */
    public long duplicated() {
        Set<String> duplicated = new HashSet<>();
        intentsByEvent.forEach((id, n) -> {
            if (n > 1) {
                duplicated.add(id);
            }
        });
        recommendationsByEvent.forEach((id, n) -> {
            if (n > 1) {
                duplicated.add(id);
            }
        });
        return duplicated.size();
    }

    public Map<String, Long> deadLettersByReason() {
        return Map.copyOf(deadLettersByReason);
    }
}
