package io.intentstream.job.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.config.StartingOffsets;
import io.intentstream.model.ContrastSimilarity;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.junit.jupiter.api.Test;

class DemoRunnerTest {

    private static final DemoRunner.Input SYNTHETIC =
            new DemoRunner.Synthetic(PlantedIntentStream.Parameters.of(100, 6, 20, 1000, 1));

    @Test
    void appliesTheDemoDefaultsWhereTheUserSetNothing() {
        Configuration options = DemoRunner.demoOptions(new Configuration(), SYNTHETIC, 120);
        assertThat(options.get(IntentStreamOptions.CHECKPOINT_INTERVAL)).isEqualTo(DemoRunner.DEMO_CHECKPOINT_INTERVAL);
        assertThat(options.get(IntentStreamOptions.CLUSTERS)).isEqualTo(6);
        assertThat(options.get(IntentStreamOptions.BOUNDED)).isTrue();
        assertThat(options.get(IntentStreamOptions.STARTING_OFFSETS)).isEqualTo(StartingOffsets.EARLIEST);
        assertThat(options.get(IntentStreamOptions.TRANSACTIONAL_ID_PREFIX)).startsWith("intent-stream-demo-");
        assertThat(options.get(IntentStreamOptions.ITEM_CAPACITY)).isEqualTo(DemoRunner.MIN_ITEM_CAPACITY);
        assertThat(options.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("fixed-delay");
        assertThat(options.get(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS))
                .isEqualTo(DemoRunner.DEMO_RESTART_ATTEMPTS);
    }

    @Test
    void sizesTheItemTableToTheInputUnlessTheUserDid() {
        assertThat(DemoRunner.itemCapacityFor(10)).isEqualTo(256);
        assertThat(DemoRunner.itemCapacityFor(256)).isEqualTo(256);
        assertThat(DemoRunner.itemCapacityFor(257)).isEqualTo(512);
        assertThat(DemoRunner.itemCapacityFor(12_101)).isEqualTo(16_384);
        Configuration user = new Configuration();
        user.set(IntentStreamOptions.ITEM_CAPACITY, 1_000);
        assertThat(DemoRunner.demoOptions(user, SYNTHETIC, 5_000).get(IntentStreamOptions.ITEM_CAPACITY))
                .isEqualTo(1_000);
    }

    @Test
    void keepsWhatTheUserSetButAlwaysReadsABoundedSliceFromTheStart() {
        Configuration user = new Configuration();
        user.set(IntentStreamOptions.CLUSTERS, 3);
        user.set(IntentStreamOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(10));
        user.set(IntentStreamOptions.BOUNDED, false);
        user.set(IntentStreamOptions.STARTING_OFFSETS, StartingOffsets.LATEST);
        Configuration options = DemoRunner.demoOptions(user, SYNTHETIC, 120);
        assertThat(options.get(IntentStreamOptions.CLUSTERS)).isEqualTo(3);
        assertThat(options.get(IntentStreamOptions.CHECKPOINT_INTERVAL)).isEqualTo(Duration.ofSeconds(10));
        assertThat(options.get(IntentStreamOptions.BOUNDED)).isTrue();
        assertThat(options.get(IntentStreamOptions.STARTING_OFFSETS)).isEqualTo(StartingOffsets.EARLIEST);
    }

    @Test
    void thePlantedIntentStreamTrainsWithoutSequenceContrastOrClusterLossAndFitsCentresOnTwoThirdsOfTheStream() {
        Configuration options = DemoRunner.demoOptions(new Configuration(), SYNTHETIC, 120);
        assertThat(options.get(IntentStreamOptions.SEQUENCE_CONTRAST_WEIGHT)).isZero();
        assertThat(options.get(IntentStreamOptions.CLUSTER_LOSS_WEIGHT)).isZero();
        assertThat(options.get(IntentStreamOptions.CENTRE_WARM_UP)).isEqualTo(666);
        assertThat(IntentStreamOptions.modelConfig(options).clusterLossWeight()).isZero();
        assertThat(IntentStreamOptions.modelConfig(options).sequenceContrastWeight()).isZero();
        assertThat(IntentStreamOptions.modelConfig(options).contrastSimilarity()).isEqualTo(ContrastSimilarity.DOT);
        assertThat(IntentStreamOptions.modelConfig(options).temperature()).isEqualTo(1.0f);

        Configuration tiny = DemoRunner.demoOptions(new Configuration(),
                new DemoRunner.Synthetic(PlantedIntentStream.Parameters.of(10, 6, 20, 7, 1)), 120);
        assertThat(tiny.get(IntentStreamOptions.CENTRE_WARM_UP)).as("never fewer windows than k").isEqualTo(6);
    }

    @Test
    void thePlantedIntentModelDefaultsGiveWayToTheUsersSettings() {
        Configuration user = new Configuration();
        user.set(IntentStreamOptions.SEQUENCE_CONTRAST_WEIGHT, 0.1f);
        user.set(IntentStreamOptions.CLUSTER_LOSS_WEIGHT, 10f);
        user.set(IntentStreamOptions.CENTRE_WARM_UP, 1024);
        user.set(IntentStreamOptions.CONTRAST_SIMILARITY, ContrastSimilarity.COSINE);
        user.set(IntentStreamOptions.CONTRAST_TEMPERATURE, 0.5f);
        Configuration options = DemoRunner.demoOptions(user, SYNTHETIC, 120);
        assertThat(options.get(IntentStreamOptions.SEQUENCE_CONTRAST_WEIGHT)).isEqualTo(0.1f);
        assertThat(options.get(IntentStreamOptions.CLUSTER_LOSS_WEIGHT)).isEqualTo(10f);
        assertThat(options.get(IntentStreamOptions.CENTRE_WARM_UP)).isEqualTo(1024);
        assertThat(options.get(IntentStreamOptions.CONTRAST_SIMILARITY)).isEqualTo(ContrastSimilarity.COSINE);
        assertThat(options.get(IntentStreamOptions.CONTRAST_TEMPERATURE)).isEqualTo(0.5f);
    }

    @Test
    void aReplayKeepsThePresetsNumberOfClusters() {
        Configuration options = DemoRunner.demoOptions(new Configuration(),
                new DemoRunner.Replay(Path.of("data.txt"), 100, 10), 120);
        assertThat(options.getOptional(IntentStreamOptions.CLUSTERS)).isEmpty();
        assertThat(options.getOptional(IntentStreamOptions.CLUSTER_LOSS_WEIGHT)).as("the preset's alpha").isEmpty();
        assertThat(options.get(IntentStreamOptions.SEQUENCE_CONTRAST_WEIGHT)).isEqualTo(0.1f);
        assertThat(options.getOptional(IntentStreamOptions.CONTRAST_SIMILARITY)).as("the preset's").isEmpty();
    }

    @Test
    void refusesAnExternalBroker() {
        Configuration user = new Configuration();
        user.set(IntentStreamOptions.BOOTSTRAP_SERVERS, "example.org:9092");
        assertThatThrownBy(() -> DemoRunner.demoOptions(user, SYNTHETIC, 120))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("embedded Kafka broker");
    }

    @Test
    void theRandomBaselineIsSeededUniformAndCoversEveryCluster() {
        Set<String> users = IntStream.range(0, 4000).mapToObj(i -> "u-" + i).collect(Collectors.toSet());
        Map<String, Integer> first = DemoRunner.randomAssignment(users, 8, 5);
        assertThat(first).isEqualTo(DemoRunner.randomAssignment(users, 8, 5));
        assertThat(first).isNotEqualTo(DemoRunner.randomAssignment(users, 8, 6));
        assertThat(first.keySet()).isEqualTo(users);
        Map<Integer, Long> sizes = first.values().stream()
                .collect(Collectors.groupingBy(c -> c, Collectors.counting()));
        assertThat(sizes.keySet()).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7);
        // 500 expected per cluster; six standard deviations (about 6 * 21) is a bound no seed should reach.
        assertThat(sizes.values()).allSatisfy(n -> assertThat(n).isBetween(370L, 630L));
    }

    @Test
    void settingsRejectNonsense() {
        assertThatThrownBy(() -> new DemoRunner.Settings(SYNTHETIC, -1, 1, new Configuration(), Duration.ofMinutes(1), 1))
                .hasMessageContaining("malformed must not be negative");
        assertThatThrownBy(() -> new DemoRunner.Settings(SYNTHETIC, 0, 0, new Configuration(), Duration.ofMinutes(1), 1))
                .hasMessageContaining("partitions must be at least 1");
        assertThatThrownBy(() -> new DemoRunner.Settings(SYNTHETIC, 0, 1, new Configuration(), Duration.ZERO, 1))
                .hasMessageContaining("timeout must be positive");
    }
}
