package io.intentstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ElcRecConfigPresetTest {

    @ParameterizedTest
    @CsvSource({"beauty, 256, 10, SHIFT, 1", "sports, 512, 1, CONCAT, 2", "toys, 512, 1, CONCAT, 3",
            "yelp, 256, 0.1, CONCAT, 2"})
    void referencePresetsAreTheSpecTableOnTheReferenceDefaults(
            String dataset, int k, float alpha, Fusion fusion, int layers) {
        ElcRecConfig reference = ElcRecConfig.preset(dataset + "-reference", 100);

        assertThat(reference.clusters()).isEqualTo(k);
        assertThat(reference.clusterLossWeight()).isEqualTo(alpha);
        assertThat(reference.fusion()).isEqualTo(fusion);
        assertThat(reference.layers()).isEqualTo(layers);
        assertThat(reference).isEqualTo(ElcRecConfig.builder(100).clusters(k).clusterLossWeight(alpha)
                .fusion(fusion).layers(layers).build());
        assertThat(reference.nextItemLoss()).isEqualTo(NextItemLossType.BCE_ONE_NEGATIVE);
        assertThat(reference.contrastSimilarity()).isEqualTo(ContrastSimilarity.DOT);
        assertThat(reference.temperature()).isEqualTo(1.0f);
        assertThat(reference.positionEncoding()).isEqualTo(PositionEncoding.WINDOW);
    }

    @ParameterizedTest
    @CsvSource({"beauty, 0.1, 0.9, 2, 20", "sports, 0.1, 0.7, 2, 20", "toys, 1, 0, 3, 50", "yelp, 0.1, 0, 2, 50"})
    void datasetPresetsChangeOnlyTheLossTheContrastAlphaLayersWindowAndFilterOfTheirReference(
            String dataset, float alpha, float lowPassWeight, int layers, int maxLength) {
        ElcRecConfig tuned = ElcRecConfig.preset(dataset, 100);
        ElcRecConfig reference = ElcRecConfig.preset(dataset + "-reference", 100);

        assertThat(tuned.nextItemLoss()).isEqualTo(NextItemLossType.SOFTMAX_CE);
        assertThat(tuned.contrastSimilarity()).isEqualTo(ContrastSimilarity.COSINE);
        assertThat(tuned.temperature()).isEqualTo(0.2f);
        assertThat(tuned.clusterLossWeight()).isEqualTo(alpha);
        assertThat(tuned.lowPassWeight()).isEqualTo(lowPassWeight);
        assertThat(tuned.layers()).isEqualTo(layers);
        assertThat(tuned.maxSequenceLength()).isEqualTo(maxLength);
        assertThat(reference.maxSequenceLength()).isEqualTo(50);
        assertThat(tuned.lowPassCutoff()).isEqualTo(ElcRecConfig.DEFAULT_LOW_PASS_CUTOFF);
        assertThat(reference.lowPassWeight()).isZero();
        assertThat(tuned.toBuilder().nextItemLoss(reference.nextItemLoss())
                .contrastSimilarity(reference.contrastSimilarity()).temperature(reference.temperature())
                .clusterLossWeight(reference.clusterLossWeight()).lowPassWeight(0).layers(reference.layers())
                .maxSequenceLength(reference.maxSequenceLength()).build())
                .isEqualTo(reference);
    }

    @Test
    void aLowPassCutoffAboveTheWindowIsAcceptedAndANegativeOneRefused() {
        ElcRecConfig.Builder shortWindow = ElcRecConfig.builder(10).maxSequenceLength(4).lowPassWeight(0.7f);
        assertThat(shortWindow.lowPassCutoff(5).build().lowPassCutoff()).isEqualTo(5);
        assertThatThrownBy(() -> shortWindow.lowPassCutoff(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lowPassCutoff must be at least 1, got -1");
    }

    @Test
    void theWaveletIsAShareOfTheLowPassFilterSoItNeedsOneAndNoPresetHasIt() {
        for (String preset : ElcRecConfig.PRESETS) {
            assertThat(ElcRecConfig.preset(preset, 10).waveletWeight()).as(preset).isZero();
        }
        ElcRecConfig.Builder filtered = ElcRecConfig.builder(10).lowPassWeight(0.7f);
        assertThat(filtered.waveletWeight(0.3f).build().waveletWeight()).isEqualTo(0.3f);
        assertThatThrownBy(() -> filtered.waveletWeight(1f).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("waveletWeight must be in [0,1), got 1.0");
        assertThatThrownBy(() -> ElcRecConfig.builder(10).waveletWeight(0.3f).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("waveletWeight is a share of the low-pass filter, so it needs lowPassWeight > 0");
    }

    @Test
    void presetNamesAreCaseInsensitiveAndUnknownOnesNameTheKnown() {
        assertThat(ElcRecConfig.preset("Beauty-Reference", 10)).isEqualTo(ElcRecConfig.preset("beauty-reference", 10));
        assertThatThrownBy(() -> ElcRecConfig.preset("movies-reference", 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Unknown preset 'movies-reference'; known presets: beauty, sports");
    }
}
