package io.intentstream.job.replay;

import io.intentstream.job.config.IntentStreamOptions;

import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** A small seeded benchmark file and a tiny model configuration for the replay tests. */
final class SyntheticBenchmark {

    private SyntheticBenchmark() {}

    /**
     * {@code users} lines {@code user item...} with 5..10 distinct items out of 1..{@code items}, drawn so that
     * every item id up to {@code items} appears (the benchmarks' dense ids).
     */
    static Path write(Path file, int users, int items, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        StringBuilder text = new StringBuilder();
        int nextUnused = 1;
        for (int user = 1; user <= users; user++) {
            int length = 5 + random.nextInt(6);
            java.util.LinkedHashSet<Integer> sequence = new java.util.LinkedHashSet<>();
            // A user stays near one region of the catalogue, so there is something to learn.
            int base = random.nextInt(items);
            while (sequence.size() < length) {
                if (nextUnused <= items && random.nextInt(3) == 0) {
                    sequence.add(nextUnused++);
                } else {
                    sequence.add(1 + (base + random.nextInt(12)) % items);
                }
            }
            text.append(user);
            sequence.forEach(item -> text.append(' ').append(item));
            text.append('\n');
        }
        for (int user = users + 1; nextUnused <= items; user++) {
            text.append(user);
            for (int i = 0; i < 5; i++) {
                text.append(' ').append(nextUnused <= items ? nextUnused++ : i + 1);
            }
            text.append('\n');
        }
        return Files.writeString(file, text);
    }

    /**
     * A model small enough for a few hundred events in seconds; batches cut by size only (long max-wait), so the
     * outputs depend on the input order alone.
     */
    static Configuration tinyJobOptions() {
        return IntentStreamOptions.fromArgs(
                "--sequence.max-length", "6",
                "--model.hidden-size", "16",
                "--model.layers", "1",
                "--model.clusters", "4",
                "--model.device", "CPU",
                "--training.batch-size", "32",
                "--training.max-wait", "1 h",
                "--training.centre-warm-up", "32",
                "--recommend.top-n", "5",
                "--checkpointing.interval", "1 s");
    }
}
