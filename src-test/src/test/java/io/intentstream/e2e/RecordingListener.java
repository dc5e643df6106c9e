package io.intentstream.e2e;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.demo.OutputTopicReader;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Keeps every decoded output record, for tests that check each one. */
final class RecordingListener implements OutputTopicReader.Listener {

    private final List<IntentAssignment> intents = new ArrayList<>();
    private final List<Recommendation> recommendations = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();

    @Override
    public synchronized void onIntent(IntentAssignment intent, ConsumerRecord<String, byte[]> record) {
        intents.add(intent);
    }

    @Override
    public synchronized void onRecommendation(Recommendation recommendation, ConsumerRecord<String, byte[]> record) {
        recommendations.add(recommendation);
    }

    @Override
    public synchronized void onDeadLetter(DeadLetter deadLetter, ConsumerRecord<String, byte[]> record) {
        deadLetters.add(deadLetter);
    }

    synchronized List<IntentAssignment> intents() {
        return List.copyOf(intents);
    }

    synchronized List<Recommendation> recommendations() {
        return List.copyOf(recommendations);
    }

    synchronized List<DeadLetter> deadLetters() {
        return List.copyOf(deadLetters);
    }
}
