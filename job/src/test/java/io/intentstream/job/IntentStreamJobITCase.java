package io.intentstream.job;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Interaction;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.config.ScoringMode;
import io.intentstream.job.demo.AvroBinary;
import io.intentstream.job.source.InteractionRecord;
import io.intentstream.job.testing.AvroFileSink;
import io.intentstream.job.testing.DecodedRecords;
import io.intentstream.job.training.IntentTrainingOperator;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole pipeline on a MiniCluster at parallelism 2, with a generated source and file sinks instead of Kafka. */
class IntentStreamJobITCase {

    private static final int EVENTS = 300;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
                    .build());

    /** Event i: a valid interaction, except every 25th (garbage bytes) and every 40th (blank user id). */
    private static final class Events extends DecodedRecords {
        private static final long serialVersionUID = 1L;

        Events() {
            super("generated");
        }

        @Override
        protected byte[] value(long i) {
            return isGarbage(i) ? new byte[] {(byte) 0xff, 1, 2} : AvroBinary.encode(Interaction.newBuilder()
                    .setEventId("e" + i)
                    .setUserId(isBlankUser(i) ? "" : "u" + (i % 9))
                    .setItemId("i" + ((i * 7 + i / 9) % 40))
                    .setEventTime(java.time.Instant.ofEpochMilli(1_704_067_200_000L + i * 10)) // inside the accepted range
                    .build());
        }
    }

    static boolean isGarbage(long i) {
        return i % 25 == 24;
    }

    static boolean isBlankUser(long i) {
        return !isGarbage(i) && i % 40 == 39;
    }

    /** Either operator that can answer (scoring.mode) answers every valid event once. */
    @ParameterizedTest
    @EnumSource(ScoringMode.class)
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void emitsOneIntentAndRecommendationPerValidEventAndADeadLetterPerInvalidOne(ScoringMode scoring, @TempDir Path dir)
            throws Exception {
        Configuration options = IntentStreamOptions.fromArgs(
                "--scoring.mode", scoring.name(),
                "--scoring.model-update-interval", "200 ms",
                "--sequence.max-length", "5",
                "--model.hidden-size", "16",
                "--model.clusters", "4",
                "--model.item-capacity", "64",
                "--model.device", "CPU",
                "--training.batch-size", "32",
                "--training.centre-warm-up", "32",
                "--recommend.top-n", "5",
                "--checkpointing.interval", "1 s");
        Path intents = Files.createDirectory(dir.resolve("intents"));
        Path recommendations = Files.createDirectory(dir.resolve("recommendations"));
        Path deadLetters = Files.createDirectory(dir.resolve("dead-letters"));

        Configuration flink = IntentStreamJob.localClusterConfiguration(options, dir.resolve("checkpoints"));
        flink.set(PipelineOptions.GENERIC_TYPES, false); // every record type must have a real serializer, no Kryo
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        env.setParallelism(2);
        new IntentStreamJob(options,
                new DataGeneratorSource<>(new Events(), EVENTS, TypeInformation.of(InteractionRecord.class)),
                new AvroFileSink<>(intents, IntentAssignment.class),
                new AvroFileSink<>(recommendations, Recommendation.class),
                new AvroFileSink<>(deadLetters, DeadLetter.class))
                .build(env);
        JobExecutionResult result = env.execute(IntentStreamJob.JOB_NAME);

        Set<String> validIds = LongStream.range(0, EVENTS)
                .filter(i -> !isGarbage(i) && !isBlankUser(i))
                .mapToObj(i -> "e" + i)
                .collect(Collectors.toSet());
        List<IntentAssignment> intentRecords = AvroFileSink.read(intents, IntentAssignment.class);
        List<Recommendation> recommendationRecords = AvroFileSink.read(recommendations, Recommendation.class);
        List<DeadLetter> deadLetterRecords = AvroFileSink.read(deadLetters, DeadLetter.class);

        assertThat(intentRecords).extracting(IntentAssignment::getEventId).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(validIds);
        assertThat(recommendationRecords).extracting(Recommendation::getEventId).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(validIds);
        assertThat(intentRecords).allSatisfy(a -> assertThat(a.getClusterId()).isBetween(0, 3));
        assertThat(recommendationRecords).allSatisfy(r -> assertThat(r.getItems()).hasSizeLessThanOrEqualTo(5));

        Set<Long> rejectedOffsets = new HashSet<>();
        deadLetterRecords.forEach(d -> rejectedOffsets.add(d.getSourceOffset()));
        assertThat(rejectedOffsets).containsExactlyInAnyOrderElementsOf(LongStream.range(0, EVENTS)
                .filter(i -> isGarbage(i) || isBlankUser(i)).boxed().toList());
        assertThat(deadLetterRecords).allSatisfy(d -> assertThat(d.getReason()).matches("(UNDECODABLE|INVALID): .*"));

        assertThat(result.<Long>getAccumulatorResult(IntentTrainingOperator.EVENTS_OUT_ACCUMULATOR))
                .isEqualTo(validIds.size());
        long steps = result.<Long>getAccumulatorResult(IntentTrainingOperator.TRAIN_STEPS_ACCUMULATOR);
        assertThat(steps).isPositive();
        assertThat(intentRecords.stream().mapToLong(IntentAssignment::getModelVersion).max().orElseThrow())
                .isLessThanOrEqualTo(steps);
        Double loss = result.getAccumulatorResult(IntentTrainingOperator.LOSS_ACCUMULATOR);
        assertThat(loss).isFinite();
    }
}
