package io.intentstream.job;

import io.intentstream.job.config.IntentStreamOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IntentStreamJobTest {

    private static StreamGraph kafkaPipeline(Configuration options) {
        return kafkaPipeline(options, 2);
    }

    private static StreamGraph kafkaPipeline(Configuration options, int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        IntentStreamJob.fromConfiguration(options).build(env);
        return env.getStreamGraph();
    }

    @Test
    void everyOperatorOfTheKafkaPipelineHasAStableUid() {
        StreamGraph graph = kafkaPipeline(new Configuration());

        List<String> uids = graph.getStreamNodes().stream().map(StreamNode::getTransformationUID).toList();
        assertThat(uids).doesNotContainNull().doesNotHaveDuplicates();
        assertThat(uids).contains(IntentStreamJob.Uids.SOURCE, IntentStreamJob.Uids.ROUTER,
                IntentStreamJob.Uids.USER_HISTORY, IntentStreamJob.Uids.TRAINING);
        assertThat(uids).anyMatch(uid -> uid.startsWith(IntentStreamJob.Uids.INTENTS_SINK));
        assertThat(uids).anyMatch(uid -> uid.startsWith(IntentStreamJob.Uids.RECOMMENDATIONS_SINK));
        assertThat(uids).anyMatch(uid -> uid.startsWith(IntentStreamJob.Uids.DEAD_LETTER_SINK));
    }

    @Test
    void trainsWithASingleModelWhateverTheJobParallelism() {
        StreamGraph graph = kafkaPipeline(new Configuration(), 4);

        StreamNode training = graph.getStreamNodes().stream()
                .filter(n -> IntentStreamJob.Uids.TRAINING.equals(n.getTransformationUID()))
                .findFirst().orElseThrow();
        assertThat(training.getParallelism()).isEqualTo(1);
        assertThat(training.getMaxParallelism()).isEqualTo(1);
        StreamNode history = graph.getStreamNodes().stream()
                .filter(n -> IntentStreamJob.Uids.USER_HISTORY.equals(n.getTransformationUID()))
                .findFirst().orElseThrow();
        assertThat(history.getParallelism()).as("user state scales out").isEqualTo(4);
    }

    @Test
    void writesIntentsAndRecommendationsFromOneSubtaskSoEachUsersOutputsStayInOrder() {
        StreamGraph graph = kafkaPipeline(new Configuration(), 4);

        for (String sink : List.of(IntentStreamJob.Uids.INTENTS_SINK, IntentStreamJob.Uids.RECOMMENDATIONS_SINK)) {
            assertThat(graph.getStreamNodes()).filteredOn(n -> n.getTransformationUID().startsWith(sink))
                    .isNotEmpty()
                    .allSatisfy(n -> assertThat(n.getParallelism()).as(n.getOperatorName()).isEqualTo(1));
        }
    }

    @Test
    void rejectsInvalidOptionsBeforeBuildingAnything() {
        Configuration options = new Configuration();
        options.set(IntentStreamOptions.BATCH_SIZE, 0);
        assertThatThrownBy(() -> IntentStreamJob.fromConfiguration(options))
                .hasMessageStartingWith("Option training.batch-size must be at least 1");
    }

    @Test
    void localClusterConfigurationHasWhatTheJobNeeds(@org.junit.jupiter.api.io.TempDir Path dir) {
        Configuration options = new Configuration();
        options.set(IntentStreamOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(5));
        options.set(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL, List.of("org.example."));

        Configuration flink = IntentStreamJob.localClusterConfiguration(options, dir);

        assertThat(flink.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(flink.get(CheckpointingOptions.ENABLE_UNALIGNED)).isTrue();
        assertThat(flink.get(CheckpointingOptions.CHECKPOINTING_INTERVAL)).isEqualTo(Duration.ofSeconds(5));
        assertThat(flink.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isEqualTo(dir.toUri().toString());
        assertThat(flink.get(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL))
                .containsExactly("org.example.", "ai.djl.");
        assertThat(flink.get(IntentStreamOptions.CHECKPOINT_INTERVAL)).as("job options are kept")
                .isEqualTo(Duration.ofSeconds(5));
    }
}
