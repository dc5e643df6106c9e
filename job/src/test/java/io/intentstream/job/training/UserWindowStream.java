package io.intentstream.job.training;

import io.intentstream.job.history.SequenceEvent;
import io.intentstream.model.catalog.ItemFingerprint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Plays the user-history function for operator tests: each event carries the fingerprints of its user's previous
 * (at most) {@code windowLength} items, with ids {@code e0, e1, ...} and event times from 1,000 ms on.
 */
final class UserWindowStream {
    private final Map<String, List<String>> windows = new HashMap<>();
    private final Random random;
    private final int users;
    private final int windowLength;
    private int next;

    UserWindowStream(long seed, int users, int windowLength) {
        this.random = new Random(seed);
        this.users = users;
        this.windowLength = windowLength;
    }

    /** An event of a random user whose item is one of {@code items} starting at {@code firstItem}. */
    SequenceEvent event(int firstItem, int items) {
        String user = "u" + random.nextInt(users);
        return event(user, "i" + (firstItem + random.nextInt(items)));
    }

    SequenceEvent event(String user, String item) {
        List<String> window = windows.computeIfAbsent(user, u -> new ArrayList<>());
        long[] history = window.stream().mapToLong(ItemFingerprint::of).toArray();
        SequenceEvent event = new SequenceEvent("e" + next, user, item, 1_000L + next, history);
        next++;
        window.add(item);
        if (window.size() > windowLength) {
            window.remove(0);
        }
        return event;
    }

    List<SequenceEvent> events(int count, int firstItem, int items) {
        List<SequenceEvent> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(event(firstItem, items));
        }
        return events;
    }
}
