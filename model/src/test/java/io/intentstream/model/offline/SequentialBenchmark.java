package io.intentstream.model.offline;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A small, strongly sequential benchmark: every user walks the catalogue in id order (item i is followed by i+1,
 * wrapping after the last), starting at a random item. A model that learns anything predicts the next id.
 */
final class SequentialBenchmark {

    private SequentialBenchmark() {}

    static List<int[]> generate(int users, int items, int minLength, int maxLength, long seed) {
        Random rng = new Random(seed);
        List<int[]> sequences = new ArrayList<>(users);
        for (int u = 0; u < users; u++) {
            int length = minLength + rng.nextInt(maxLength - minLength + 1);
            int start = rng.nextInt(items);
            int[] seq = new int[length];
            for (int i = 0; i < length; i++) {
                seq[i] = 1 + (start + i) % items;
            }
            sequences.add(seq);
        }
        // Make sure the largest id occurs, so that itemCount is exactly `items`.
        sequences.set(0, java.util.stream.IntStream.rangeClosed(items - minLength + 1, items).toArray());
        return sequences;
    }
}
