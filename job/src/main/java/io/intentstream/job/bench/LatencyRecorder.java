package io.intentstream.job.bench;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.demo.OutputTopicReader;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Receives the intents topic on the output reader's thread and keeps, per intent, when it arrived at this consumer
 * (wall clock) and the event time it answers. The benchmark writes each input with its send time as event time,
 * so arrival minus event time is the event-to-intent latency as a downstream consumer sees it.
 */
final class LatencyRecorder implements OutputTopicReader.Listener {

    /** One answered event. */
    record Arrival(String eventId, long eventTimeMillis, long emitTimeMillis, long arrivalMillis) {
        long latencyMillis() {
            return arrivalMillis - eventTimeMillis;
        }
    }

    private final List<Arrival> arrivals = new ArrayList<>();
    private long deadLetters;

    @Override
    public void onIntent(IntentAssignment intent, ConsumerRecord<String, byte[]> record) {
        long now = System.currentTimeMillis();
        Arrival arrival = new Arrival(intent.getEventId(), intent.getEventTime().toEpochMilli(),
                intent.getEmitTime().toEpochMilli(), now);
        synchronized (this) {
            arrivals.add(arrival);
        }
    }

    @Override
    public void onRecommendation(Recommendation recommendation, ConsumerRecord<String, byte[]> record) {
        // Recommendations are emitted by the same operator call as the intent; the intent is the one timed.
    }

    @Override
    public synchronized void onDeadLetter(DeadLetter deadLetter, ConsumerRecord<String, byte[]> record) {
        deadLetters++;
    }

    synchronized int count() {
        return arrivals.size();
    }

    synchronized long deadLetters() {
        return deadLetters;
    }

    /** The arrivals from index {@code from} on, in arrival order. */
    synchronized List<Arrival> since(int from) {
        return List.copyOf(arrivals.subList(Math.min(from, arrivals.size()), arrivals.size()));
    }

    /** Nearest-rank percentiles of a sample. */
    static double percentile(long[] sortedValues, double percent) {
        if (sortedValues.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(percent / 100.0 * sortedValues.length);
        return sortedValues[Math.max(0, Math.min(sortedValues.length - 1, rank - 1))];
    }

    static long[] sorted(long[] values) {
        long[] copy = values.clone();
        Arrays.sort(copy);
        return copy;
    }
}
