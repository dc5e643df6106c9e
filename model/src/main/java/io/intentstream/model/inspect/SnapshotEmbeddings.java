package io.intentstream.model.inspect;

import io.intentstream.model.ElcRecModel;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.Scores;
import io.intentstream.model.SequenceWindows;
import io.intentstream.model.export.BenchmarkItems;
import io.intentstream.model.offline.BenchmarkDataset;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Centres and pooled user embeddings of a model snapshot on a sample of a benchmark's users: each sampled user's
 * last T items are scored ({@link ElcRecModel#score}), whose pooled embedding and nearest centre are kept.
 */
public final class SnapshotEmbeddings {

    /**
     * @param centres (k, d) the snapshot's centres
     * @param embeddings (n, d) pooled embeddings of the sampled users
     * @param clusters each sampled user's nearest centre
     */
    public record Sample(float[][] centres, float[][] embeddings, int[] clusters, long modelVersion) {}

    private SnapshotEmbeddings() {}

    /**
     * @throws IllegalArgumentException if the snapshot's rows are not the benchmark's item ids or the data holds
     *     items the snapshot's table does not
     */
    public static Sample sample(ModelSnapshot snapshot, BenchmarkDataset data, int maxUsers, long seed) {
        if (maxUsers < 1) {
            throw new IllegalArgumentException("maxUsers must be at least 1, got " + maxUsers);
        }
        if (!BenchmarkItems.rowsAreItemIds(snapshot)) {
            throw new IllegalArgumentException("the snapshot was trained on a stream whose item rows are not the "
                    + "benchmark's item ids; its embeddings of benchmark sequences would be meaningless");
        }
        if (data.itemCount() > snapshot.config().itemCount()) {
            throw new IllegalArgumentException("the data has items up to " + data.itemCount() + " but the snapshot's "
                    + "table holds " + snapshot.config().itemCount());
        }
        int users = data.userCount();
        int[] chosen = sampleIndices(users, Math.min(maxUsers, users), seed);
        int t = snapshot.config().maxSequenceLength();
        int[][] windows = new int[chosen.length][];
        for (int i = 0; i < chosen.length; i++) {
            int[] items = data.items(chosen[i]);
            windows[i] = SequenceWindows.lastWindow(items, 0, items.length, t);
        }
        try (ElcRecModel model = ElcRecModel.restore(snapshot)) {
            Scores scores = model.score(windows, 1, snapshot.config().itemCount());
            return new Sample(model.centres(), scores.embeddings(), scores.cluster(), scores.modelVersion());
        }
    }

    /** {@code count} distinct indices of 0..n-1 (partial Fisher-Yates), sorted. */
    static int[] sampleIndices(int n, int count, long seed) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            int j = i + random.nextInt(n - i);
            int swap = all[i];
            all[i] = all[j];
            all[j] = swap;
        }
        int[] chosen = Arrays.copyOf(all, count);
        Arrays.sort(chosen);
        return chosen;
    }
}
