package io.intentstream.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** On a task with one right answer (item i is always followed by item i+1) the model learns it. */
class ElcRecModelLearningTest {

    private static final int ITEMS = 20;
    private static final int T = ModelFixtures.LENGTH;

    /**
     * The contrastive terms pull against the next-item term on sequences this short (T=8, masking 70% of a
     * view), so the full objective gets more steps and a little slack; training is bit-reproducible, so each
     * row's outcome is fixed for its seed.
     */
    @ParameterizedTest(name = "{0}, contrast and cluster loss {1}")
    @CsvSource({"BCE_ONE_NEGATIVE, false, 300, 17", "SOFTMAX_CE, false, 300, 17", "SAMPLED_SOFTMAX, false, 300, 17",
            "BCE_ONE_NEGATIVE, true, 500, 15"})
    void learnsThatEveryItemIsFollowedByTheNextOne(NextItemLossType lossType, boolean fullObjective, int steps,
            int minimumCorrect) {
        ElcRecConfig config = ElcRecConfig.builder(ITEMS)
                .maxSequenceLength(T)
                .hiddenSize(32)
                .heads(2)
                .layers(1)
                .clusters(4)
                .clusterLossWeight(0.1f)
                .hiddenDropout(0.1f)
                .attentionDropout(0.1f)
                .learningRate(5e-3f)
                .nextItemLoss(lossType)
                .sampledNegatives(6) // of 20 items: a real sample, not the whole catalogue
                .contrastEnabled(fullObjective)
                .clusterLossEnabled(fullObjective)
                .device(Device.CPU)
                .seed(1L)
                .build();
        SplittableRandom random = new SplittableRandom(2);
        try (ElcRecModel model = ElcRecModel.create(config)) {
            float first = model.trainStep(consecutiveRuns(32, random)).loss().nextItem();
            float last = first;
            for (int step = 1; step < steps; step++) {
                last = model.trainStep(consecutiveRuns(32, random)).loss().nextItem();
            }
            assertThat(last).as("next-item loss after %d steps (first %s)", steps, first).isLessThan(first * 0.5f);

            int[][] probes = new int[ITEMS - 2][];
            for (int i = 2; i < ITEMS; i++) {
                probes[i - 2] = ModelFixtures.leftPadded(i - 1, i); // ... i-1, i -> i+1
            }
            Scores scores = model.score(probes, 1, ITEMS);
            int correct = 0;
            for (int i = 2; i < ITEMS; i++) {
                if (scores.topItems()[i - 2][0] == i + 1) {
                    correct++;
                }
            }
            assertThat(correct).as("probes (of %d) whose top-1 is the next item", probes.length)
                    .isGreaterThanOrEqualTo(minimumCorrect);
        }
    }

    /** Runs s, s+1, ... of random length 2..T+1 within 1..ITEMS, left-padded; targets shifted by one. */
    private static SequenceBatch consecutiveRuns(int size, SplittableRandom random) {
        int[][] inputs = new int[size][T];
        int[][] targets = new int[size][T];
        for (int b = 0; b < size; b++) {
            int length = 1 + random.nextInt(T);
            int start = 1 + random.nextInt(ITEMS - length);
            for (int i = 0; i < length; i++) {
                inputs[b][T - length + i] = start + i;
                targets[b][T - length + i] = start + i + 1;
            }
        }
        return new SequenceBatch(inputs, targets, ITEMS);
    }
}
