package io.intentstream.model.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.Fusion;
import io.intentstream.model.NextItemLossType;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TrainingSettingsTest {

    private static TrainingSettings settings(String preset, Ablation ablation) {
        return new TrainingSettings(preset, ablation, NextItemLossType.SOFTMAX_CE, Device.CPU, 3, 2, 1, 64, 9L,
                Path.of("out"), false);
    }

    @Test
    void defaultsAreTheReferenceSchedule() {
        TrainingSettings d = TrainingSettings.defaults("Beauty", Path.of("out"));
        assertThat(d.preset()).isEqualTo("beauty");
        assertThat(d.epochs()).isEqualTo(300);
        assertThat(d.patience()).isEqualTo(40);
        assertThat(d.batchSize()).isEqualTo(256);
        assertThat(d.evalEvery()).isEqualTo(1);
        assertThat(d.ablation()).isEqualTo(Ablation.FULL);
        assertThat(d.nextItemLoss()).isEqualTo(NextItemLossType.SOFTMAX_CE);
        assertThat(TrainingSettings.defaults("beauty-reference", Path.of("out")).nextItemLoss())
                .isEqualTo(NextItemLossType.BCE_ONE_NEGATIVE);
        assertThat(d.plateauDecay()).isEqualTo(new PlateauDecay(1, 0.1f));
        assertThat(TrainingSettings.defaults("beauty-reference", Path.of("out")).plateauDecay())
                .isEqualTo(PlateauDecay.NONE);
        assertThat(TrainingSettings.presetPlateauDecay("sports")).isEqualTo(new PlateauDecay(1, 0.1f));
        assertThat(TrainingSettings.presetPlateauDecay("sports-reference")).isEqualTo(PlateauDecay.NONE);
        assertThat(TrainingSettings.presetPlateauDecay("toys")).isEqualTo(PlateauDecay.NONE);
        assertThat(d.trainingWindows()).isEqualTo(TrainingWindows.ALL);
        assertThat(TrainingSettings.presetWindows("Beauty")).isEqualTo(TrainingWindows.ALL);
        assertThat(TrainingSettings.defaults("sports", Path.of("out")).trainingWindows())
                .isEqualTo(TrainingWindows.ALL);
        for (String lastOnly : new String[] {"beauty-reference", "sports-reference", "toys", "yelp"}) {
            assertThat(TrainingSettings.defaults(lastOnly, Path.of("out")).trainingWindows()).as(lastOnly)
                    .isEqualTo(TrainingWindows.LAST);
        }
    }

    @Test
    void unknownPresetNamesTheKnownOnes() {
        assertThatThrownBy(() -> settings("movies", Ablation.FULL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unknown preset 'movies'; known presets: beauty, sports, toys, yelp, beauty-reference, "
                        + "sports-reference, toys-reference, yelp-reference");
    }

    @Test
    void rejectsNonPositiveSchedule() {
        assertThatThrownBy(() -> new TrainingSettings("beauty", Ablation.FULL, NextItemLossType.BCE_ONE_NEGATIVE,
                Device.CPU, 0, 40, 1, 256, 1L, Path.of("o"), false)).hasMessageContaining("epochs must be at least 1");
        assertThatThrownBy(() -> new TrainingSettings("beauty", Ablation.FULL, NextItemLossType.BCE_ONE_NEGATIVE,
                Device.CPU, 3, 40, 1, 0, 1L, Path.of("o"), false)).hasMessageContaining("batchSize must be at least 1");
        assertThatThrownBy(() -> new TrainingSettings("beauty", Ablation.FULL, NextItemLossType.BCE_ONE_NEGATIVE,
                Device.CPU, 3, 0, 1, 8, 1L, Path.of("o"), false)).hasMessageContaining("patience must be at least 1");
    }

    @Test
    void aPlateauDecayLowersTheRateAGivenNumberOfTimesAndStopsAtTheFirstPlateauByDefault() {
        assertThat(settings("beauty", Ablation.FULL).plateauDecay()).isEqualTo(PlateauDecay.NONE);
        assertThat(PlateauDecay.NONE.allowsAnother(0)).isFalse();
        PlateauDecay twice = new PlateauDecay(2, 0.1f);
        assertThat(twice.allowsAnother(1)).isTrue();
        assertThat(twice.allowsAnother(2)).isFalse();
        assertThatThrownBy(() -> new PlateauDecay(-1, 0.1f)).hasMessageContaining("must be 0 or more, got -1");
        for (float factor : new float[] {0f, 1f, 1.5f, Float.NaN}) {
            assertThatThrownBy(() -> new PlateauDecay(1, factor)).hasMessageContaining("must be in (0, 1)");
        }
    }

    @Test
    void sameTargetPositivesNeedAnAblationThatTrainsTheContrast() {
        for (Ablation withoutContrast : new Ablation[] {Ablation.SASREC, Ablation.CLUSTER}) {
            assertThatThrownBy(() -> new TrainingSettings("beauty", withoutContrast, NextItemLossType.SOFTMAX_CE,
                    Device.CPU, 3, 2, 1, 64, 9L, Path.of("o"), false, ContrastPositives.SAME_TARGET))
                    .hasMessage("positives for the sequence contrast need an ablation that trains it (full or ccl), "
                            + "not " + withoutContrast.cliName());
        }
        assertThat(new TrainingSettings("beauty", Ablation.CCL, NextItemLossType.SOFTMAX_CE, Device.CPU, 3, 2, 1, 64,
                9L, Path.of("o"), false, ContrastPositives.SAME_TARGET).contrastPositives())
                .isEqualTo(ContrastPositives.SAME_TARGET);
        assertThat(settings("beauty", Ablation.SASREC).contrastPositives()).isEqualTo(ContrastPositives.AUGMENTED);
    }

    @Test
    void aCentreRefitNeedsCentresAndOnlyTheBeautyPresetRefitsByDefault() {
        assertThat(settings("beauty", Ablation.FULL).centreRefitEpoch()).isZero();
        assertThat(TrainingSettings.defaults("beauty", Path.of("o")).centreRefitEpoch()).isEqualTo(20);
        assertThat(TrainingSettings.presetCentreRefitEpoch("Beauty", Ablation.CCL)).isEqualTo(20);
        assertThat(TrainingSettings.presetCentreRefitEpoch("beauty", Ablation.SASREC)).as("no centres").isZero();
        for (String never : new String[] {"beauty-reference", "sports", "toys", "yelp"}) {
            assertThat(TrainingSettings.defaults(never, Path.of("o")).centreRefitEpoch()).as(never).isZero();
        }
        assertThat(refitting(Ablation.CLUSTER, 5).centreRefitEpoch()).isEqualTo(5);
        assertThatThrownBy(() -> refitting(Ablation.SASREC, 5)).hasMessage("refitting the centres needs an ablation "
                + "that uses them (full, ccl or cluster), not sasrec");
        assertThatThrownBy(() -> refitting(Ablation.FULL, -1)).hasMessageContaining("must be at least 0 (never)");
    }

    private static TrainingSettings refitting(Ablation ablation, int epoch) {
        return new TrainingSettings("beauty", ablation, NextItemLossType.SOFTMAX_CE, Device.CPU, 3, 2, 1, 64, 9L,
                Path.of("o"), false, ContrastPositives.AUGMENTED, PlateauDecay.NONE, TrainingWindows.LAST, epoch);
    }

    @Test
    void modelConfigIsThePresetWithThisRunsChoices() {
        ElcRecConfig c = settings("sports", Ablation.CCL).modelConfig(1000);
        assertThat(c.itemCount()).isEqualTo(1000);
        assertThat(c.clusters()).isEqualTo(512);
        assertThat(c.layers()).isEqualTo(2);
        assertThat(c.fusion()).isEqualTo(Fusion.CONCAT);
        assertThat(c.nextItemLoss()).isEqualTo(NextItemLossType.SOFTMAX_CE);
        assertThat(c.device()).isEqualTo(Device.CPU);
        assertThat(c.seed()).isEqualTo(9L);
        assertThat(c.contrastEnabled()).isTrue();
        assertThat(c.clusterLossEnabled()).isFalse();
    }

    @Test
    void ablationsSwitchTheObjectiveParts() {
        ElcRecConfig base = ElcRecConfig.preset("beauty", 10);
        assertThat(Ablation.SASREC.applyTo(base)).extracting(ElcRecConfig::contrastEnabled,
                ElcRecConfig::clusterLossEnabled).containsExactly(false, false);
        assertThat(Ablation.CCL.applyTo(base)).extracting(ElcRecConfig::contrastEnabled,
                ElcRecConfig::clusterLossEnabled).containsExactly(true, false);
        assertThat(Ablation.CLUSTER.applyTo(base)).extracting(ElcRecConfig::contrastEnabled,
                ElcRecConfig::clusterLossEnabled).containsExactly(false, true);
        assertThat(Ablation.FULL.applyTo(base)).extracting(ElcRecConfig::contrastEnabled,
                ElcRecConfig::clusterLossEnabled).containsExactly(true, true);
        assertThat(Ablation.needsCentres(Ablation.SASREC.applyTo(base))).isFalse();
        assertThat(Ablation.needsCentres(Ablation.CCL.applyTo(base))).isTrue();
    }

    @Test
    void ablationParsingIsCaseInsensitiveAndNamesTheChoices() {
        assertThat(Ablation.parse("SASRec")).isEqualTo(Ablation.SASREC);
        assertThat(Ablation.parse("cluster")).isEqualTo(Ablation.CLUSTER);
        assertThatThrownBy(() -> Ablation.parse("icl"))
                .hasMessage("Unknown ablation 'icl'; expected one of: sasrec, ccl, cluster, full");
    }
}
