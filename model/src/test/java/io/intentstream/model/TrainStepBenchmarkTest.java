package io.intentstream.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Milliseconds per training step at the reference's size (batch 256, T 50, d 64, 1 layer, 12,101 items), for
 * the next-item loss alone and for the full objective. Prints, asserts nothing; opt in with
 * {@code -Dintentstream.benchmark=true}, and point {@code -Dintentstream.benchmark.data} at Beauty.txt to train
 * on its sequences (otherwise synthetic sequences with Beauty's mean length).
 */
@EnabledIfSystemProperty(named = "intentstream.benchmark", matches = "true")
class TrainStepBenchmarkTest {

    private static final int ITEMS = 12_101;
    private static final int T = 50;
    private static final int BATCH = 256;
    private static final int WARM_UP = 3;
    private static final int MEASURED = Integer.getInteger("intentstream.benchmark.steps", 10);

    @Test
    void printsMillisecondsPerStep() throws IOException {
        List<SequenceBatch> batches = batches();
        for (NextItemLossType loss : NextItemLossType.values()) {
            for (boolean full : new boolean[] {false, true}) {
                ElcRecConfig config = ElcRecConfig.preset("beauty-reference", ITEMS).toBuilder()
                        .nextItemLoss(loss).contrastEnabled(full).clusterLossEnabled(full).device(Device.CPU).build();
                try (ElcRecModel model = ElcRecModel.create(config)) {
                    for (int i = 0; i < WARM_UP; i++) {
                        model.trainStep(batches.get(i % batches.size()));
                    }
                    long[] nanos = new long[MEASURED];
                    for (int i = 0; i < MEASURED; i++) {
                        long start = System.nanoTime();
                        model.trainStep(batches.get((WARM_UP + i) % batches.size()));
                        nanos[i] = System.nanoTime() - start;
                    }
                    Arrays.sort(nanos);
                    double mean = Arrays.stream(nanos).average().orElseThrow() / 1e6;
                    System.out.printf("train step B=%d T=%d d=64 items=%d %-16s %-14s threads=%d: mean %.1f ms,"
                                    + " median %.1f ms, min %.1f ms over %d steps%n",
                            BATCH, T, ITEMS, loss, full ? "full objective" : "next-item only",
                            io.intentstream.model.training.TorchThreads.current(), mean, nanos[MEASURED / 2] / 1e6,
                            nanos[0] / 1e6, MEASURED);
                }
            }
        }
    }

    /** Training windows (input items[:-3], targets items[1:-2]) of Beauty's users, or synthetic ones. */
    private static List<SequenceBatch> batches() throws IOException {
        String data = System.getProperty("intentstream.benchmark.data");
        List<int[]> histories = new ArrayList<>();
        if (data != null) {
            for (String line : Files.readAllLines(Path.of(data))) {
                int[] ids = Arrays.stream(line.trim().split(" ")).mapToInt(Integer::parseInt).toArray();
                histories.add(Arrays.copyOfRange(ids, 1, ids.length - 2)); // drop the user id, validation and test
            }
        } else {
            SplittableRandom random = new SplittableRandom(1);
            for (int u = 0; u < 20 * BATCH; u++) {
                int length = 3 + (int) Math.round(-6 * Math.log(1 - random.nextDouble()));
                histories.add(random.ints(length, 1, ITEMS + 1).toArray());
            }
        }
        List<SequenceBatch> batches = new ArrayList<>();
        for (int start = 0; start + BATCH <= histories.size() && batches.size() < 20; start += BATCH) {
            int[][] inputs = new int[BATCH][T];
            int[][] targets = new int[BATCH][T];
            for (int b = 0; b < BATCH; b++) {
                int[] history = histories.get(start + b);
                int n = Math.min(T, history.length - 1);
                for (int i = 0; i < n; i++) {
                    inputs[b][T - n + i] = history[history.length - 1 - n + i];
                    targets[b][T - n + i] = history[history.length - n + i];
                }
            }
            batches.add(new SequenceBatch(inputs, targets, ITEMS));
        }
        return batches;
    }
}
