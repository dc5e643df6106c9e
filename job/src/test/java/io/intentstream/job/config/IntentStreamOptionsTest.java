package io.intentstream.job.config;

import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.NextItemLossType;
import io.intentstream.model.PositionEncoding;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IntentStreamOptionsTest {

    @Test
    void defaultsAreValidAndDescribeTheBeautyPreset() {
        Configuration defaults = IntentStreamOptions.validate(new Configuration());

        assertThat(defaults.getOptional(IntentStreamOptions.MAX_SEQUENCE_LENGTH)).as("the preset's").isEmpty();
        assertThat(defaults.get(IntentStreamOptions.BATCH_SIZE)).isEqualTo(256);
        assertThat(defaults.get(IntentStreamOptions.TOP_N)).isEqualTo(20);
        assertThat(defaults.get(IntentStreamOptions.DELIVERY_GUARANTEE)).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        ElcRecConfig model = IntentStreamOptions.modelConfig(defaults);
        assertThat(model.clusters()).isEqualTo(256);
        assertThat(model.layers()).isEqualTo(2);
        assertThat(model.hiddenSize()).isEqualTo(64);
        assertThat(model.itemCount()).isEqualTo(65_536);
        assertThat(model.maxSequenceLength()).isEqualTo(20);
        Configuration reference = new Configuration();
        reference.set(IntentStreamOptions.PRESET, "beauty-reference");
        assertThat(IntentStreamOptions.modelConfig(reference).maxSequenceLength()).isEqualTo(50);
    }

    @Test
    void parsesKeyValuePairsFromTheCommandLine() {
        Configuration parsed = IntentStreamOptions.fromArgs(
                "--kafka.bootstrap-servers", "broker:29092",
                "--training.max-wait=1 s",
                "--model.clusters", "8",
                "--model.device", "CPU",
                "--model.next-item-loss", "softmax_ce",
                "--kafka.delivery-guarantee", "at-least-once",
                "--kafka.starting-offsets", "earliest",
                "--parallelism.default", "2");

        IntentStreamOptions.validate(parsed);
        assertThat(parsed.get(IntentStreamOptions.BOOTSTRAP_SERVERS)).isEqualTo("broker:29092");
        assertThat(parsed.get(IntentStreamOptions.MAX_BATCH_WAIT)).isEqualTo(Duration.ofSeconds(1));
        assertThat(parsed.get(IntentStreamOptions.DEVICE)).isEqualTo(Device.CPU);
        assertThat(parsed.get(IntentStreamOptions.NEXT_ITEM_LOSS)).isEqualTo(NextItemLossType.SOFTMAX_CE);
        assertThat(parsed.get(IntentStreamOptions.DELIVERY_GUARANTEE)).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        assertThat(parsed.get(IntentStreamOptions.STARTING_OFFSETS)).isEqualTo(StartingOffsets.EARLIEST);
        assertThat(parsed.getString("parallelism.default", null)).as("Flink keys pass through").isEqualTo("2");
        assertThat(IntentStreamOptions.modelConfig(parsed).clusters()).isEqualTo(8);
    }

    @Test
    void explicitSettingsOverrideThePreset() {
        Configuration c = new Configuration();
        c.set(IntentStreamOptions.PRESET, "toys");
        assertThat(IntentStreamOptions.modelConfig(c).layers()).isEqualTo(3);
        assertThat(IntentStreamOptions.modelConfig(c).clusters()).isEqualTo(512);

        c.set(IntentStreamOptions.LAYERS, 2);
        c.set(IntentStreamOptions.CLUSTERS, 16);
        assertThat(IntentStreamOptions.modelConfig(c).layers()).isEqualTo(2);
        assertThat(IntentStreamOptions.modelConfig(c).clusters()).isEqualTo(16);
    }

    @Test
    void encoderVariantsReachTheModelOrAreRejected() {
        Configuration c = new Configuration();
        assertThat(IntentStreamOptions.modelConfig(c).positionEncoding()).isEqualTo(PositionEncoding.WINDOW);
        assertThat(IntentStreamOptions.modelConfig(c).lowPassWeight()).as("the beauty preset's").isEqualTo(0.9f);
        c.set(IntentStreamOptions.MAX_SEQUENCE_LENGTH, 3);
        assertThat(IntentStreamOptions.modelConfig(c).lowPassCutoff()).as("above a short window: kept").isEqualTo(5);
        c.set(IntentStreamOptions.PRESET, "beauty-reference");
        assertThat(IntentStreamOptions.modelConfig(c).lowPassWeight()).isZero();

        c.set(IntentStreamOptions.POSITION_ENCODING, PositionEncoding.DISTANCE);
        c.set(IntentStreamOptions.LOW_PASS_WEIGHT, 0.7f);
        c.set(IntentStreamOptions.LOW_PASS_CUTOFF, 9);
        assertThat(IntentStreamOptions.modelConfig(c).waveletWeight()).as("the preset's: none").isZero();
        c.set(IntentStreamOptions.WAVELET_WEIGHT, 0.3f);
        ElcRecConfig model = IntentStreamOptions.modelConfig(c);
        assertThat(model.positionEncoding()).isEqualTo(PositionEncoding.DISTANCE);
        assertThat(model.lowPassWeight()).isEqualTo(0.7f);
        assertThat(model.lowPassCutoff()).isEqualTo(9);
        assertThat(model.waveletWeight()).isEqualTo(0.3f);

        c.set(IntentStreamOptions.LOW_PASS_WEIGHT, 1f);
        assertThatThrownBy(() -> IntentStreamOptions.modelConfig(c))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lowPassWeight must be in [0,1)");
    }

    @Test
    void weightAveragingReachesTheModelOrIsRejected() {
        Configuration c = new Configuration();
        assertThat(IntentStreamOptions.modelConfig(c).averagesWeights()).as("the preset's: off").isFalse();
        c.set(IntentStreamOptions.WEIGHT_AVERAGE_DECAY, 0.998f);
        assertThat(IntentStreamOptions.modelConfig(c).weightAverageDecay()).isEqualTo(0.998f);
        assertThat(IntentStreamOptions.modelConfig(c).averagesWeights()).isTrue();
        c.set(IntentStreamOptions.WEIGHT_AVERAGE_DECAY, 1f);
        assertThatThrownBy(() -> IntentStreamOptions.modelConfig(c))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weightAverageDecay must be in [0,1)");
    }

    @Test
    void theItemBiasReachesTheModel() {
        Configuration c = new Configuration();
        assertThat(IntentStreamOptions.modelConfig(c).itemBias()).as("the preset's: off").isFalse();
        c.set(IntentStreamOptions.ITEM_BIAS, true);
        assertThat(IntentStreamOptions.modelConfig(c).itemBias()).isTrue();
    }

    @Test
    void sampledSoftmaxAndItsSampleSizeReachTheModelOrAreRejected() {
        Configuration c = new Configuration();
        assertThat(IntentStreamOptions.modelConfig(c).sampledNegatives())
                .isEqualTo(ElcRecConfig.DEFAULT_SAMPLED_NEGATIVES);
        c.set(IntentStreamOptions.NEXT_ITEM_LOSS, NextItemLossType.SAMPLED_SOFTMAX);
        c.set(IntentStreamOptions.SAMPLED_NEGATIVES, 4096);
        ElcRecConfig sampled = IntentStreamOptions.modelConfig(c);
        assertThat(sampled.nextItemLoss()).isEqualTo(NextItemLossType.SAMPLED_SOFTMAX);
        assertThat(sampled.sampledNegatives()).isEqualTo(4096);

        c.set(IntentStreamOptions.SAMPLED_NEGATIVES, 0);
        assertThatThrownBy(() -> IntentStreamOptions.modelConfig(c))
                .hasMessageContaining("model.sampled-negatives must be at least 1, got 0");
    }

    @Test
    void lossWeightsDefaultToThePresetsAndCanBeSetOrRejected() {
        Configuration c = new Configuration();
        ElcRecConfig preset = IntentStreamOptions.modelConfig(c);
        assertThat(preset.clusterLossWeight()).as("the beauty preset's alpha").isEqualTo(0.1f);
        assertThat(preset.sequenceContrastWeight()).isEqualTo(0.1f);
        assertThat(preset.intentContrastWeight()).isEqualTo(0.1f);
        Configuration reference = new Configuration();
        reference.set(IntentStreamOptions.PRESET, "beauty-reference");
        assertThat(IntentStreamOptions.modelConfig(reference).clusterLossWeight()).as("the paper's alpha").isEqualTo(10f);

        c.set(IntentStreamOptions.CLUSTER_LOSS_WEIGHT, 0f);
        c.set(IntentStreamOptions.SEQUENCE_CONTRAST_WEIGHT, 0f);
        c.set(IntentStreamOptions.INTENT_CONTRAST_WEIGHT, 0.5f);
        ElcRecConfig set = IntentStreamOptions.modelConfig(c);
        assertThat(set.clusterLossWeight()).isZero();
        assertThat(set.sequenceContrastWeight()).isZero();
        assertThat(set.intentContrastWeight()).isEqualTo(0.5f);

        c.set(IntentStreamOptions.CLUSTER_LOSS_WEIGHT, -1f);
        assertThatThrownBy(() -> IntentStreamOptions.modelConfig(c))
                .hasMessageContaining("Option model.cluster-loss-weight must be a finite number >= 0, got -1.0");
        c.set(IntentStreamOptions.CLUSTER_LOSS_WEIGHT, 1f);
        c.set(IntentStreamOptions.SEQUENCE_CONTRAST_WEIGHT, Float.NaN);
        assertThatThrownBy(() -> IntentStreamOptions.modelConfig(c))
                .hasMessageContaining("Option model.sequence-contrast-weight must be a finite number >= 0");
    }

    @Test
    void rejectsUnknownKeysUnderOurPrefixes() {
        assertThatThrownBy(() -> IntentStreamOptions.fromArgs("--kafka.bootstrap-server", "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unknown option --kafka.bootstrap-server")
                .hasMessageContaining("kafka.bootstrap-servers");
    }

    @Test
    void rejectsMalformedArguments() {
        assertThatThrownBy(() -> IntentStreamOptions.fromArgs("model.clusters", "8"))
                .hasMessageContaining("Expected an option '--key value' but got 'model.clusters'");
        assertThatThrownBy(() -> IntentStreamOptions.fromArgs("--model.clusters"))
                .hasMessageContaining("Option --model.clusters needs a value");
    }

    @Test
    void typeErrorsNameTheOption() {
        assertThatThrownBy(() -> IntentStreamOptions.validate(IntentStreamOptions.fromArgs("--training.batch-size", "many")))
                .hasMessageStartingWith("Option training.batch-size: ");
        assertThatThrownBy(() -> IntentStreamOptions.validate(IntentStreamOptions.fromArgs("--model.device", "tpu")))
                .hasMessageStartingWith("Option model.device: ");
    }

    @Test
    void rangeErrorsNameTheOptionAndTheLimit() {
        assertInvalid("--training.batch-size", "0", "Option training.batch-size must be at least 1, got 0");
        assertInvalid("--sequence.max-length", "1", "Option sequence.max-length must be at least 2, got 1");
        assertInvalid("--model.hidden-size", "15", "Option model.hidden-size must be divisible by the 2 attention heads");
        assertInvalid("--model.clusters", "1", "Option model.clusters must be at least 2, got 1");
        assertInvalid("--model.learning-rate", "-0.1", "Option model.learning-rate must be a positive number");
        assertInvalid("--training.max-wait", "0 ms", "Option training.max-wait must be a positive duration");
        assertInvalid("--user-state.ttl", "0 s", "Option user-state.ttl must be a positive duration");
        assertInvalid("--model.preset", "movies", "Option model.preset must be one of beauty, sports, toys, yelp");
        assertInvalid("--kafka.bootstrap-servers", " ", "Option kafka.bootstrap-servers must not be blank");
        assertInvalid("--kafka.topic.intents", "interactions",
                "Option kafka.topic.intents must differ from kafka.topic.interactions");
        assertInvalid("--recommend.top-n", "70000", "Option recommend.top-n must not exceed model.item-capacity");
        assertInvalid("--training.fraction", "1.5", "Option training.fraction must be between 0 and 1, got 1.5");
        assertInvalid("--training.fraction", "-0.1", "Option training.fraction must be between 0 and 1, got -0.1");
        assertInvalid("--training.fraction", "NaN", "Option training.fraction must be between 0 and 1, got NaN");
    }

    @Test
    void trainingFractionDefaultsToOneAndAcceptsZeroToOne() {
        assertThat(IntentStreamOptions.validate(IntentStreamOptions.fromArgs()).get(IntentStreamOptions.TRAINING_FRACTION))
                .isEqualTo(1.0);
        assertThat(IntentStreamOptions.validate(IntentStreamOptions.fromArgs("--training.fraction", "0"))
                .get(IntentStreamOptions.TRAINING_FRACTION)).isEqualTo(0.0);
        assertThat(IntentStreamOptions.validate(IntentStreamOptions.fromArgs("--training.fraction", "0.25"))
                .get(IntentStreamOptions.TRAINING_FRACTION)).isEqualTo(0.25);
    }

    @Test
    void theOnlineLearningRateIsUnsetByDefaultAndMustBePositive() {
        assertThat(IntentStreamOptions.validate(IntentStreamOptions.fromArgs())
                .getOptional(IntentStreamOptions.ONLINE_LEARNING_RATE)).isEmpty();
        assertThat(IntentStreamOptions.validate(IntentStreamOptions.fromArgs("--training.learning-rate", "1e-4"))
                .get(IntentStreamOptions.ONLINE_LEARNING_RATE)).isEqualTo(1e-4);
        assertInvalid("--training.learning-rate", "0", "Option training.learning-rate must be a positive number, got 0.0");
    }

    @Test
    void centreRefitStepIsOffByDefaultAndNeverNegative() {
        assertThat(IntentStreamOptions.validate(IntentStreamOptions.fromArgs())
                .get(IntentStreamOptions.CENTRE_REFIT_STEP)).isZero();
        assertThat(IntentStreamOptions.validate(IntentStreamOptions.fromArgs("--training.centre-refit-at-step", "500"))
                .get(IntentStreamOptions.CENTRE_REFIT_STEP)).isEqualTo(500L);
        assertInvalid("--training.centre-refit-at-step", "-1",
                "Option training.centre-refit-at-step must be >= 0 (0 never refits), got -1");
    }

    @Test
    void warmUpMustCoverEveryCentre() {
        assertThatThrownBy(() -> IntentStreamOptions.validate(IntentStreamOptions.fromArgs(
                "--model.clusters", "64", "--training.centre-warm-up", "10")))
                .hasMessage("Option training.centre-warm-up must be at least k (64, from model.clusters) so that "
                        + "k-means has a point per centre");
        assertThatThrownBy(() -> IntentStreamOptions.validate(IntentStreamOptions.fromArgs(
                "--training.centre-warm-up", "100")))
                .hasMessageContaining("at least k (256, from model.preset beauty)");
    }

    @Test
    void transactionTimeoutMustOutlastACheckpointInterval() {
        assertThatThrownBy(() -> IntentStreamOptions.validate(IntentStreamOptions.fromArgs(
                "--kafka.transaction-timeout", "10 s", "--checkpointing.interval", "1 min")))
                .hasMessageContaining("Option kafka.transaction-timeout must be longer than checkpointing.interval");
    }

    @Test
    void everyOptionHasADescriptionAndAppearsInTheHelp() {
        assertThat(IntentStreamOptions.all()).hasSizeGreaterThan(25);
        String help = IntentStreamOptions.describe();
        IntentStreamOptions.all().forEach(option -> {
            assertThat(IntentStreamOptions.descriptionText(option)).as(option.key()).isNotBlank();
            assertThat(help).contains("--" + option.key());
        });
        assertThat(help).contains("--scoring.max-wait (default 100 ms)");
    }

    private static void assertInvalid(String key, String value, String message) {
        assertThatThrownBy(() -> IntentStreamOptions.validate(IntentStreamOptions.fromArgs(key, value)))
                .as(key + " " + value)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }
}
