package io.intentstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * {@link ElcRecModel#encodedScoringSnapshot} carries what scoring needs and nothing of the optimiser, and a
 * scoring copy that loads it ({@link ElcRecModel#loadScoringSnapshot}) answers exactly as the model it came from.
 */
class ScoringSnapshotTest {

    private static final byte[] ITEM_INDEX = {3, 1, 4, 1, 5};

    @Test
    void aScoringCopyAnswersExactlyAsItsTrainerAndKeepsItsOwnOptimiser() {
        int[][] windows = ModelFixtures.randomBatch(12, ModelFixtures.ITEMS, 99).inputs();
        try (ElcRecModel trainer = ElcRecModel.create(ModelFixtures.tiny().build());
                ElcRecModel scorer = ElcRecModel.create(ModelFixtures.tiny().seed(8L).build())) {
            trainer.initialiseCentres(windows);
            for (int i = 0; i < 3; i++) {
                trainer.trainStep(ModelFixtures.randomBatch(16, ModelFixtures.ITEMS, i));
            }
            long scorerOptimiser = scorer.snapshot().stepCount();
            assertThat(sameScores(trainer.score(windows, 5, ModelFixtures.ITEMS),
                    scorer.score(windows, 5, ModelFixtures.ITEMS))).isFalse();

            ModelSnapshot.Encoded update = trainer.encodedScoringSnapshot(ITEM_INDEX);
            ModelSnapshot decoded = ModelSnapshot.fromBytes(update.bytes());
            scorer.loadScoringSnapshot(decoded);

            assertThat(decoded.optimizerState()).isEmpty();
            assertThat(decoded.itemIndex()).isEqualTo(ITEM_INDEX);
            assertThat(update.bytes().length).isLessThan(trainer.encodedSnapshot(ITEM_INDEX).bytes().length / 2);
            assertThat(scorer.version()).isEqualTo(3).isEqualTo(trainer.version());
            assertThat(scorer.centresInitialised()).isTrue();
            assertThat(sameScores(trainer.score(windows, 5, ModelFixtures.ITEMS),
                    scorer.score(windows, 5, ModelFixtures.ITEMS))).isTrue();
            assertThat(scorer.snapshot().parameters()).isEqualTo(trainer.snapshot().parameters());
            assertThat(scorer.snapshot().stepCount()).isEqualTo(scorerOptimiser);
        }
    }

    @Test
    void aSnapshotOfAnotherShapeIsRefused() {
        try (ElcRecModel trainer = ElcRecModel.create(ModelFixtures.tiny().hiddenSize(8).build());
                ElcRecModel scorer = ElcRecModel.create(ModelFixtures.tiny().build())) {
            ModelSnapshot other = ModelSnapshot.fromBytes(trainer.encodedScoringSnapshot(ITEM_INDEX).bytes());
            assertThatThrownBy(() -> scorer.loadScoringSnapshot(other)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static boolean sameScores(Scores a, Scores b) {
        return java.util.Arrays.deepEquals(a.topItems(), b.topItems())
                && java.util.Arrays.deepEquals(a.topScores(), b.topScores())
                && java.util.Arrays.equals(a.cluster(), b.cluster())
                && java.util.Arrays.deepEquals(a.embeddings(), b.embeddings())
                && a.modelVersion() == b.modelVersion();
    }
}
