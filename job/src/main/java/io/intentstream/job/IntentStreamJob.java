package io.intentstream.job;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.config.ScoringMode;
import io.intentstream.job.config.TrainerOverload;
import io.intentstream.job.history.SequenceEvent;
import io.intentstream.job.replay.ModelExchange;
import io.intentstream.job.history.UserHistoryFunction;
import io.intentstream.job.sink.KafkaSinks;
import io.intentstream.job.source.DeadLetterRouter;
import io.intentstream.job.source.InteractionRecord;
import io.intentstream.job.source.KafkaInteractionSource;
import io.intentstream.job.metrics.DeadLetterMetrics;
import io.intentstream.job.training.IntentScoringOperator;
import io.intentstream.job.training.IntentTrainingOperator;
import io.intentstream.job.training.TrainingMetrics;
import io.intentstream.model.ElcRecConfig;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * The intent-stream pipeline: Kafka interactions, per-user histories, online ELCRec training and scoring, and
 * intents, recommendations and dead letters back to Kafka.
 *
 * <pre>
 *   source (decode, per-partition watermarks) -> dead-letter router --(invalid)--> dead-letter sink
 *     -> keyBy(user) -> user history (last T fingerprints, TTL) -> training + scoring (parallelism 1)
 *     -> intents sink, and (side output) recommendations sink
 * </pre>
 *
 * <p>With {@code scoring.mode: SEPARATE} the training operator only trains and broadcasts model updates, and
 * scoring operators beside the history operator answer:
 * <pre>
 *   user history -> training (parallelism 1) --(model updates, broadcast)--+
 *   user history ---------------------------------------------------------+-> scoring (job parallelism)
 *     -> intents sink, and (side output) recommendations sink
 * </pre>
 *
 * <p>The job receives its source and sinks, so tests can run the real pipeline with their own;
 * {@link #fromConfiguration} wires the Kafka ones and {@link #main} runs that with {@code flink run}.
 */
public final class IntentStreamJob {

    public static final String JOB_NAME = "intent-stream";

    /** The network buffer timeout the job runs with unless execution.buffer-timeout.interval is set. */
    public static final java.time.Duration LOW_LATENCY_BUFFER_TIMEOUT = java.time.Duration.ofMillis(10);

    /** Stable operator ids: checkpoints and savepoints map state to these, so never change them. */
    public static final class Uids {
        public static final String SOURCE = "interactions-source";
        public static final String ROUTER = "dead-letter-router";
        public static final String USER_HISTORY = "user-history";
        public static final String TRAINING = "intent-training";
        public static final String SCORING = "intent-scoring";
        public static final String INTENTS_SINK = "intents-sink";
        public static final String RECOMMENDATIONS_SINK = "recommendations-sink";
        public static final String DEAD_LETTER_SINK = "dead-letter-sink";
        public static final String DEAD_LETTER_METRICS = "dead-letter-metrics";

        private Uids() {}
    }

    /** The three output streams of {@link #build}, already connected to the sinks; tests may attach more. */
    public record Outputs(
            DataStream<IntentAssignment> intents,
            DataStream<Recommendation> recommendations,
            DataStream<DeadLetter> deadLetters) {}

    private final Configuration options;
    private final Source<InteractionRecord, ?, ?> source;
    private final Sink<IntentAssignment> intentSink;
    private final Sink<Recommendation> recommendationSink;
    private final Sink<DeadLetter> deadLetterSink;
    private boolean trainOnly;

    /**
     * @param options the job's settings ({@link IntentStreamOptions}); validated here
     * @param source emits one {@link InteractionRecord} per input record, valid or rejected
     */
    public IntentStreamJob(
            Configuration options,
            Source<InteractionRecord, ?, ?> source,
            Sink<IntentAssignment> intentSink,
            Sink<Recommendation> recommendationSink,
            Sink<DeadLetter> deadLetterSink) {
        this.options = IntentStreamOptions.validate(new Configuration(options));
        this.source = Objects.requireNonNull(source, "source");
        this.intentSink = Objects.requireNonNull(intentSink, "intentSink");
        this.recommendationSink = Objects.requireNonNull(recommendationSink, "recommendationSink");
        this.deadLetterSink = Objects.requireNonNull(deadLetterSink, "deadLetterSink");
    }

    /**
     * Builds the training operator {@link IntentTrainingOperator#trainOnly train-only}: the model trains exactly as
     * otherwise, but no event is scored, so the intents and recommendations streams stay empty (dead letters still
     * flow). For runs whose outputs nobody reads: the non-final epochs of a replay.
     */
    public IntentStreamJob trainOnly() {
        this.trainOnly = true;
        return this;
    }

    /** The job with the Kafka source and sinks described by {@code options}. */
    public static IntentStreamJob fromConfiguration(Configuration options) {
        IntentStreamOptions.validate(options);
        return new IntentStreamJob(options,
                KafkaInteractionSource.create(options),
                KafkaSinks.intents(options),
                KafkaSinks.recommendations(options),
                KafkaSinks.deadLetters(options));
    }

    /** Adds the pipeline to {@code env}; call {@code env.execute(JOB_NAME)} (or executeAsync) afterwards. */
    public Outputs build(StreamExecutionEnvironment env) {
        WatermarkStrategy<InteractionRecord> watermarks = WatermarkStrategy
                .<InteractionRecord>forBoundedOutOfOrderness(options.get(IntentStreamOptions.MAX_OUT_OF_ORDERNESS))
                .withTimestampAssigner((record, kafkaTimestamp) -> record.eventTimeOrMin())
                .withIdleness(options.get(IntentStreamOptions.SOURCE_IDLENESS));

        DataStream<InteractionRecord> records = env
                .fromSource(source, watermarks, "Interactions", TypeInformation.of(InteractionRecord.class))
                .uid(Uids.SOURCE)
                .name("Interactions");

        SingleOutputStreamOperator<InteractionRecord> interactions = records
                .process(new DeadLetterRouter(), TypeInformation.of(InteractionRecord.class))
                .uid(Uids.ROUTER)
                .name("Route invalid records to dead letters");

        ElcRecConfig modelConfig = IntentStreamOptions.modelConfig(options);
        SingleOutputStreamOperator<SequenceEvent> sequences = interactions
                .keyBy(record -> record.interaction.getUserId(), TypeInformation.of(String.class))
                .process(new UserHistoryFunction(modelConfig.maxSequenceLength(),
                                options.get(IntentStreamOptions.USER_STATE_TTL),
                                options.get(IntentStreamOptions.DUPLICATE_RETENTION)),
                        TypeInformation.of(SequenceEvent.class))
                .uid(Uids.USER_HISTORY)
                .name("User history");
        DataStream<DeadLetter> deadLetters = interactions.getSideOutput(DeadLetterRouter.DEAD_LETTERS)
                .union(sequences.getSideOutput(UserHistoryFunction.DUPLICATES));

        IntentTrainingOperator training = new IntentTrainingOperator(modelConfig,
                options.get(IntentStreamOptions.BATCH_SIZE),
                IntentStreamOptions.trainingMaxWait(options),
                options.get(IntentStreamOptions.MAX_BATCH_EVENT_TIME_SPAN),
                options.get(IntentStreamOptions.TOP_N),
                options.get(IntentStreamOptions.CENTRE_WARM_UP))
                .withModelExchange(ModelExchange.from(options))
                .withCentreRefitStep(options.get(IntentStreamOptions.CENTRE_REFIT_STEP))
                .withMetrics(TrainingMetrics.Settings.from(options))
                .withTrainingFraction(options.get(IntentStreamOptions.TRAINING_FRACTION))
                .withAnswerBeforeStep(options.get(IntentStreamOptions.ANSWER_BEFORE_STEP))
                .withOnlineLearningRate(options.getOptional(IntentStreamOptions.ONLINE_LEARNING_RATE)
                        .map(OptionalDouble::of).orElse(OptionalDouble.empty()));
        boolean separateScoring = options.get(IntentStreamOptions.SCORING_MODE) == ScoringMode.SEPARATE && !trainOnly;
        if (trainOnly || separateScoring) {
            training.trainOnly();
        }
        if (separateScoring) {
            training.withModelUpdates(options.get(IntentStreamOptions.SCORING_MODEL_UPDATE_INTERVAL))
                    .withSkipEventsWhenBehind(
                            options.get(IntentStreamOptions.TRAINER_OVERLOAD) == TrainerOverload.SKIP_EVENTS);
        }
        SingleOutputStreamOperator<IntentAssignment> trained = sequences
                .transform(separateScoring ? "Train ELCRec" : "Train and score ELCRec",
                        new AvroTypeInfo<>(IntentAssignment.class), training)
                .uid(Uids.TRAINING)
                .setParallelism(1)
                .setMaxParallelism(1);
        if (separateScoring) {
            // Its own thread: chained to a history subtask, every step would stall that subtask's events on their
            // way to the scoring operators too.
            trained.startNewChain();
        }
        SingleOutputStreamOperator<IntentAssignment> intents = trained;
        if (separateScoring) {
            // Forward from the history operator (same parallelism): each user's events stay on one scoring
            // subtask, in order; every subtask gets every model update.
            intents = sequences
                    .connect(trained.getSideOutput(IntentTrainingOperator.MODEL_UPDATES).broadcast())
                    .transform("Score ELCRec", new AvroTypeInfo<>(IntentAssignment.class),
                            new IntentScoringOperator(options.get(IntentStreamOptions.BATCH_SIZE),
                                    options.get(IntentStreamOptions.SCORING_MAX_WAIT),
                                    options.get(IntentStreamOptions.MAX_BATCH_EVENT_TIME_SPAN),
                                    options.get(IntentStreamOptions.TOP_N),
                                    TrainingMetrics.Settings.from(options)))
                    .uid(Uids.SCORING)
                    .setParallelism(sequences.getParallelism());
        }
        DataStream<Recommendation> recommendations = intents.getSideOutput(IntentTrainingOperator.RECOMMENDATIONS);

        // Chained to the operator that answers, with its parallelism: a user's outputs come from one subtask,
        // so one writer per subtask keeps each user's records in order in its Kafka partition (inline: one
        // writer, which easily keeps up with a single model).
        intents.sinkTo(intentSink).uid(Uids.INTENTS_SINK).name("Intents").setParallelism(intents.getParallelism());
        recommendations.sinkTo(recommendationSink).uid(Uids.RECOMMENDATIONS_SINK).name("Recommendations")
                .setParallelism(intents.getParallelism());
        // Stateless, so savepoints taken before this operator existed still restore.
        deadLetters = deadLetters.map(new DeadLetterMetrics(), new AvroTypeInfo<>(DeadLetter.class))
                .uid(Uids.DEAD_LETTER_METRICS)
                .name("Count dead letters by reason");
        deadLetters.sinkTo(deadLetterSink).uid(Uids.DEAD_LETTER_SINK).name("Dead letters");
        return new Outputs(intents, recommendations, deadLetters);
    }

    /**
     * The Flink settings this job needs to run correctly, for {@code flink run} and local runs alike: RocksDB
     * state, exactly-once unaligned checkpoints at the configured interval (a training step blocks the training
     * operator, aligned barriers would wait for it), a 10 ms network buffer timeout unless one is set, and DJL
     * loaded parent-first (its native library can be loaded
     * once per JVM). On a real cluster the parent-first pattern must also be in the cluster's configuration;
     * setting it here only affects local executions.
     */
    public static Configuration flinkConfiguration(Configuration options) {
        Configuration flink = new Configuration(options);
        flink.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        flink.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, options.get(IntentStreamOptions.CHECKPOINT_INTERVAL));
        flink.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        flink.set(CheckpointingOptions.ENABLE_UNALIGNED, true);
        if (!options.contains(ExecutionOptions.BUFFER_TIMEOUT)) {
            // Flink's 100 ms would add up to that much per network hop (source -> history -> answering operator)
            // to every answer's latency; at this job's record rates the extra flushes cost nothing measurable.
            flink.set(ExecutionOptions.BUFFER_TIMEOUT, LOW_LATENCY_BUFFER_TIMEOUT);
        }
        List<String> parentFirst = new ArrayList<>(
                flink.getOptional(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL).orElse(List.of()));
        if (!parentFirst.contains("ai.djl.")) {
            parentFirst.add("ai.djl.");
        }
        flink.set(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL, parentFirst);
        return flink;
    }

    /**
     * {@link #flinkConfiguration} plus a local checkpoint directory: what a MiniCluster / local environment run
     * of this job (the demo, integration tests) should be created with.
     */
    public static Configuration localClusterConfiguration(Configuration options, Path checkpointDirectory) {
        Configuration flink = flinkConfiguration(options);
        flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDirectory.toAbsolutePath().toUri().toString());
        return flink;
    }

    /** Entry point for {@code flink run}: {@code --key value} options, see {@link IntentStreamOptions}. */
    public static void main(String[] args) throws Exception {
        Configuration options = IntentStreamOptions.validate(IntentStreamOptions.fromArgs(args));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(options));
        fromConfiguration(options).build(env);
        JobExecutionResult result = env.execute(JOB_NAME);
        // `flink run -d` and REST submissions return as soon as the job is accepted: there is no runtime yet.
        if (result.isJobExecutionResult()) {
            System.out.println("intent-stream finished after " + result.getNetRuntime() + " ms");
        } else {
            System.out.println("intent-stream submitted as job " + result.getJobID());
        }
    }
}
