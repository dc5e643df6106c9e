package io.intentstream.model.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.Fusion;
import org.junit.jupiter.api.Test;

class StepFlopsTest {

    private static final ElcRecConfig BEAUTY = StepBenchmark.beautyConfig();

    @Test
    void encoderCountsEveryProductOfOneLayerAtBeautyShapes() {
        // Per sequence: QKV 2*50*64*192 + scores 2*50*50*64 + context 2*50*50*64 + output 2*50*64*64
        // + feed-forward 2 * (2*50*64*256) = 1,228,800 + 320,000 + 320,000 + 409,600 + 3,276,800.
        double perSequence = 1_228_800 + 320_000 + 320_000 + 409_600 + 3_276_800;
        assertThat(StepFlops.encoderForward(BEAUTY, 256)).isEqualTo(256 * perSequence);
        assertThat(StepFlops.encoderForward(BEAUTY.toBuilder().layers(3).build(), 1)).isEqualTo(3 * perSequence);
    }

    @Test
    void inferenceAddsCentreSearchAndScoresOfEveryLiveItem() {
        double encoder = StepFlops.encoderForward(BEAUTY, 256);
        assertThat(StepFlops.inference(BEAUTY, 256, 12_101))
                .isEqualTo(encoder + 2.0 * 256 * 256 * 64 + 2.0 * 256 * 64 * 12_101);
    }

    @Test
    void trainingCountsTheBackwardPassAsTwiceTheForward() {
        double encoder = StepFlops.encoderForward(BEAUTY, 256);
        assertThat(StepFlops.nextItemStep(BEAUTY, 256, 256)).isCloseTo(3 * encoder, within(3 * 4.0 * 64 * 256 + 1));
    }

    @Test
    void fullObjectiveAddsTwoEncodedViewsContrastsAndCentreSearches() {
        double next = StepFlops.nextItemStep(BEAUTY, 256, 256);
        double views = 3 * StepFlops.encoderForward(BEAUTY, 512);
        double positionNearest = 2.0 * 512 * 50 * 256 * 64;
        double pooledNearest = 2.0 * 256 * 256 * 64;
        double sequenceContrast = 3 * 2.0 * 512 * 512 * 50 * 64;
        double intentContrast = 2 * 3 * 2.0 * 512 * 512 * 64;
        assertThat(StepFlops.fullStep(BEAUTY, 256, 256)).isEqualTo(
                next + views + positionNearest + pooledNearest + sequenceContrast + intentContrast);
        // Beauty's full step is about 4.4x the next-item step: two more encoder passes and the (2B)^2 contrast.
        assertThat(StepFlops.fullStep(BEAUTY, 256, 256) / next).isBetween(4.0, 5.0);
    }

    @Test
    void concatFusionDoublesTheWidthOfTheSequenceContrast() {
        ElcRecConfig concat = BEAUTY.toBuilder().fusion(Fusion.CONCAT).build();
        double difference = StepFlops.fullStep(concat, 256, 256) - StepFlops.fullStep(BEAUTY, 256, 256);
        assertThat(difference).isEqualTo(3 * 2.0 * 512 * 512 * 50 * 64);
    }
}
