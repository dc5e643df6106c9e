package io.intentstream.model.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.Fusion;
import io.intentstream.model.NextItemLossType;
import org.junit.jupiter.api.Test;

class StepFlopsTest {

    /** The counts below are written out at T 50 (the preset's T is 20 since session 21). */
    private static final ElcRecConfig BEAUTY = StepBenchmark.beautyConfig().toBuilder().maxSequenceLength(50).build();

    @Test
    void encoderCountsEveryProductOfOneLayerAtBeautyShapes() {
        // Per sequence: QKV 2*50*64*192 + scores 2*50*50*64 + context 2*50*50*64 + output 2*50*64*64
        // + feed-forward 2 * (2*50*64*256) = 1,228,800 + 320,000 + 320,000 + 409,600 + 3,276,800.
        double perSequence = 1_228_800 + 320_000 + 320_000 + 409_600 + 3_276_800;
        ElcRecConfig attentionAlone = BEAUTY.toBuilder().layers(1).lowPassWeight(0f).build();
        assertThat(StepFlops.encoderForward(attentionAlone, 256)).isEqualTo(256 * perSequence);
        assertThat(StepFlops.encoderForward(attentionAlone.toBuilder().layers(3).build(), 1))
                .isEqualTo(3 * perSequence);
        // The low-pass filter's smoothing, (50, 50) x (50, 64) per layer: 2*50*50*64.
        assertThat(StepFlops.encoderForward(attentionAlone.toBuilder().lowPassWeight(0.7f).build(), 1))
                .isEqualTo(perSequence + 320_000);
        // The wavelet branch reads each item's previous one by slicing: no further product.
        assertThat(StepFlops.encoderForward(attentionAlone.toBuilder().lowPassWeight(0.7f).waveletWeight(0.5f)
                .build(), 1)).isEqualTo(perSequence + 320_000);
    }

    @Test
    void inferenceAddsCentreSearchAndScoresOfEveryLiveItem() {
        double encoder = StepFlops.encoderForward(BEAUTY, 256);
        assertThat(StepFlops.inference(BEAUTY, 256, 12_101))
                .isEqualTo(encoder + 2.0 * 256 * 256 * 64 + 2.0 * 256 * 64 * 12_101);
    }

    @Test
    void trainingCountsTheBackwardPassAsTwiceTheForward() {
        ElcRecConfig bce = BEAUTY.toBuilder().nextItemLoss(NextItemLossType.BCE_ONE_NEGATIVE).build();
        double encoder = StepFlops.encoderForward(bce, 256);
        assertThat(StepFlops.nextItemStep(bce, 256, 256)).isCloseTo(3 * encoder, within(3 * 4.0 * 64 * 256 + 1));
    }

    @Test
    void softmaxCrossEntropyCountsTheLogitsOfEveryTrainedPositionAgainstEveryItem() {
        assertThat(BEAUTY.nextItemLoss()).isEqualTo(NextItemLossType.SOFTMAX_CE);
        double encoder = StepFlops.encoderForward(BEAUTY, 256);
        // (256, 64)·(64, 12,101) forward, and its two gradient products.
        assertThat(StepFlops.nextItemStep(BEAUTY, 256, 256)).isEqualTo(3 * encoder + 3 * 2.0 * 256 * 64 * 12_101);
    }

    @Test
    void theStepsProductShapesAddUpToItsAnalyticCount() {
        for (ElcRecConfig config : new ElcRecConfig[] {BEAUTY, BEAUTY.toBuilder().fusion(Fusion.CONCAT).layers(2)
                .nextItemLoss(NextItemLossType.BCE_ONE_NEGATIVE).build(),
                BEAUTY.toBuilder().nextItemLoss(NextItemLossType.SAMPLED_SOFTMAX).sampledNegatives(1_000).build(),
                BEAUTY.toBuilder().lowPassWeight(0.7f).waveletWeight(0.5f).build()}) {
            double products = StepGemms.fullStep(config, 256).stream()
                    .mapToDouble(p -> p.perStep() * p.flops()).sum();
            double bceDots = config.nextItemLoss() == NextItemLossType.BCE_ONE_NEGATIVE ? 3 * 2.0 * 2 * 64 * 256 : 0;
            assertThat(products + bceDots).as(config.toString()).isEqualTo(StepFlops.fullStep(config, 256, 256));
        }
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
        // Beauty's full step (two layers) is about 3.4x the next-item step: two more encoder passes and the
        // (2B)^2 contrast (the cross-entropy's logits, 1.19 GFLOP, are in both).
        assertThat(StepFlops.fullStep(BEAUTY, 256, 256) / next).isBetween(3.2, 3.6);
    }

    @Test
    void concatFusionDoublesTheWidthOfTheSequenceContrast() {
        ElcRecConfig concat = BEAUTY.toBuilder().fusion(Fusion.CONCAT).build();
        double difference = StepFlops.fullStep(concat, 256, 256) - StepFlops.fullStep(BEAUTY, 256, 256);
        assertThat(difference).isEqualTo(3 * 2.0 * 512 * 512 * 50 * 64);
    }
}
