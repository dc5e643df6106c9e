package io.intentstream.job.config;

import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.ContrastSimilarity;
import io.intentstream.model.NextItemLossType;
import io.intentstream.model.PositionEncoding;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.description.BlockElement;
import org.apache.flink.configuration.description.TextElement;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.util.TimeUtils;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Every setting of the intent-stream job, typed, with its default and description.
 *
 * <p>Set them in the Flink configuration or on the command line as {@code --key value}; {@link #fromArgs} parses
 * the latter and {@link #validate} checks a configuration, naming the offending option in every message. Keys that
 * are not ours (for example Flink's {@code parallelism.default}) are passed through untouched.
 */
public final class IntentStreamOptions {

    private IntentStreamOptions() {}

    // ---------------------------------------------------------------- Kafka

    public static final ConfigOption<String> BOOTSTRAP_SERVERS = ConfigOptions.key("kafka.bootstrap-servers")
            .stringType()
            .defaultValue("localhost:9092")
            .withDescription("Kafka bootstrap servers (host:port, comma separated) for the source and all sinks.");

    public static final ConfigOption<String> INPUT_TOPIC = ConfigOptions.key("kafka.topic.interactions")
            .stringType()
            .defaultValue("interactions")
            .withDescription("Topic of Avro Interaction records (plain Avro binary values) the job reads.");

    public static final ConfigOption<String> INTENTS_TOPIC = ConfigOptions.key("kafka.topic.intents")
            .stringType()
            .defaultValue("intents")
            .withDescription("Topic the job writes one Avro IntentAssignment to per valid interaction.");

    public static final ConfigOption<String> RECOMMENDATIONS_TOPIC = ConfigOptions.key("kafka.topic.recommendations")
            .stringType()
            .defaultValue("recommendations")
            .withDescription("Topic the job writes one Avro Recommendation (top-N items) to per valid interaction.");

    public static final ConfigOption<String> DEAD_LETTER_TOPIC = ConfigOptions.key("kafka.topic.dead-letters")
            .stringType()
            .defaultValue("interactions-dead-letters")
            .withDescription("Topic the job writes an Avro DeadLetter to for every input record it cannot use.");

    public static final ConfigOption<String> CONSUMER_GROUP = ConfigOptions.key("kafka.group-id")
            .stringType()
            .defaultValue("intent-stream")
            .withDescription("Consumer group of the source; offsets are committed to it on completed checkpoints.");

    public static final ConfigOption<StartingOffsets> STARTING_OFFSETS = ConfigOptions.key("kafka.starting-offsets")
            .enumType(StartingOffsets.class)
            .defaultValue(StartingOffsets.COMMITTED)
            .withDescription("Where to start reading without a checkpoint: EARLIEST, LATEST, or COMMITTED (the "
                    + "group's offsets, earliest where there are none). A restored checkpoint always wins.");

    public static final ConfigOption<Boolean> BOUNDED = ConfigOptions.key("kafka.bounded")
            .booleanType()
            .defaultValue(false)
            .withDescription("Stop at the latest offsets seen when the job starts and then finish (for demos and "
                    + "replays); false reads forever.");

    public static final ConfigOption<DeliveryGuarantee> DELIVERY_GUARANTEE = ConfigOptions.key("kafka.delivery-guarantee")
            .enumType(DeliveryGuarantee.class)
            .defaultValue(DeliveryGuarantee.EXACTLY_ONCE)
            .withDescription("Guarantee of the three Kafka sinks: exactly-once (transactions committed on "
                    + "checkpoints; readers must use isolation.level=read_committed), at-least-once or none.");

    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX = ConfigOptions.key("kafka.transactional-id-prefix")
            .stringType()
            .defaultValue("intent-stream")
            .withDescription("Prefix of the sinks' Kafka transactional ids; each sink appends its own suffix. Must be "
                    + "unique per job on a cluster, or two jobs fence each other's transactions.");

    public static final ConfigOption<Duration> TRANSACTION_TIMEOUT = ConfigOptions.key("kafka.transaction-timeout")
            .durationType()
            .defaultValue(Duration.ofMinutes(10))
            .withDescription("Kafka transaction timeout of the exactly-once sinks; must exceed the checkpoint "
                    + "interval and stay below the broker's transaction.max.timeout.ms (15 min by default).");

    // ---------------------------------------------------------------- Event time

    public static final ConfigOption<Duration> MAX_OUT_OF_ORDERNESS = ConfigOptions.key("watermark.max-out-of-orderness")
            .durationType()
            .defaultValue(Duration.ofSeconds(5))
            .withDescription("How far behind the newest event time of a partition an interaction may arrive "
                    + "before it counts as late (bounded out-of-orderness watermarks, per Kafka partition).");

    public static final ConfigOption<Duration> SOURCE_IDLENESS = ConfigOptions.key("watermark.idleness")
            .durationType()
            .defaultValue(Duration.ofSeconds(30))
            .withDescription("A partition without records for this long stops holding back the watermark.");

    // ---------------------------------------------------------------- Sequences and state

    public static final ConfigOption<Integer> MAX_SEQUENCE_LENGTH = ConfigOptions.key("sequence.max-length")
            .intType()
            .noDefaultValue()
            .withDescription("T: how many of a user's most recent items form the model input (and the user's state); "
                    + "unset uses the preset's (beauty and sports 20, the others and the -reference presets 50).");

    public static final ConfigOption<Duration> USER_STATE_TTL = ConfigOptions.key("user-state.ttl")
            .durationType()
            .defaultValue(Duration.ofDays(30))
            .withDescription("A user's history is dropped after this long without an interaction (processing time); "
                    + "the user then starts again with an empty history.");

    // ---------------------------------------------------------------- Training

    public static final ConfigOption<Integer> BATCH_SIZE = ConfigOptions.key("training.batch-size")
            .intType()
            .defaultValue(256)
            .withDescription("Interactions per training step and scoring pass; a batch is flushed when it is full.");

    public static final ConfigOption<Duration> MAX_BATCH_WAIT = ConfigOptions.key("training.max-wait")
            .durationType()
            .noDefaultValue()
            .withDescription("Longest an interaction waits in the training operator's partial batch (processing "
                    + "time) before the batch is flushed anyway. With scoring.mode INLINE this bounds the output "
                    + "delay under low traffic (default 50 ms; shorter cuts smaller batches, more steps per event; "
                    + "the measured latency curve is in docs/results.md). With SEPARATE it only bounds how stale "
                    + "the published model gets (default 1 s), and longer waits fill the batches that make steps "
                    + "efficient.");

    /** {@link #MAX_BATCH_WAIT}'s default when scoring.mode is INLINE: the training operator answers. */
    public static final Duration INLINE_MAX_WAIT = Duration.ofMillis(50);
    /** {@link #MAX_BATCH_WAIT}'s default when scoring.mode is SEPARATE: nobody waits for the trainer's batches. */
    public static final Duration SEPARATE_TRAINING_MAX_WAIT = Duration.ofSeconds(1);

    public static final ConfigOption<Duration> MAX_BATCH_EVENT_TIME_SPAN =
            ConfigOptions.key("training.max-event-time-span")
            .durationType()
            .defaultValue(Duration.ofMinutes(5))
            .withDescription("A batch is flushed before an interaction whose event time is this much or more after "
                    + "the batch's first one, and when the watermark passes the first one's time plus this span. "
                    + "Unlike training.max-wait this depends on the input alone, so it keeps batches (and the model) "
                    + "reproducible for a given input order.");

    public static final ConfigOption<Double> TRAINING_FRACTION = ConfigOptions.key("training.fraction")
            .doubleType()
            .defaultValue(1.0)
            .withDescription("Share of interactions the model trains on, between 0 and 1, chosen by a hash of the "
                    + "event id (so replays and restores choose the same ones). Every interaction still gets its "
                    + "intent and recommendations, from a forward pass of the current model; a batch's training "
                    + "step then has about this share of training.batch-size samples. 0 only scores: the model and "
                    + "its item index never change (pair it with model.init-path to serve a trained snapshot).");

    public static final ConfigOption<Double> ONLINE_LEARNING_RATE = ConfigOptions.key("training.learning-rate")
            .doubleType()
            .noDefaultValue()
            .withDescription("Adam's learning rate for the job's training steps, in place of the model's own: "
                    + "model.learning-rate for a fresh model, the rate stored in the snapshot for model.init-path "
                    + "or a restored checkpoint. Unset keeps the model's. A trained snapshot replayed at the "
                    + "offline rate (1e-3) on small online batches loses quality (docs/results.md, \"Training "
                    + "fraction\"): lower it to fine-tune a trained model.");

    public static final ConfigOption<Boolean> ANSWER_BEFORE_STEP = ConfigOptions.key("training.answer-before-step")
            .booleanType()
            .defaultValue(true)
            .withDescription("Answer each batch (intents and recommendations, emitted at once) with the model as it "
                    + "is before the batch's training step, then train on it: the step leaves the interactions' "
                    + "latency path, and answers come from a model one step older (predict, then learn). false "
                    + "trains first and answers with the model that has just learnt from the batch.");

    public static final ConfigOption<ScoringMode> SCORING_MODE = ConfigOptions.key("scoring.mode")
            .enumType(ScoringMode.class)
            .defaultValue(ScoringMode.INLINE)
            .withDescription("Which operator answers the interactions. INLINE: the training operator, between its "
                    + "steps; the answers are reproducible from the input alone (replays, backfills), and an event "
                    + "can wait behind a training step. SEPARATE: scoring operators with the job's parallelism "
                    + "answer with the newest model the trainer publishes (scoring.model-update-interval), so no "
                    + "event waits for a step and latency stays low under load; answers come from a model up to one "
                    + "interval older and depend on when the updates arrive. The model trains the same either way.");

    public static final ConfigOption<Duration> SCORING_MODEL_UPDATE_INTERVAL =
            ConfigOptions.key("scoring.model-update-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription("With scoring.mode SEPARATE: how often the training operator publishes its "
                            + "model (parameters, centres and item index, without optimiser state: about 3 MB at "
                            + "Beauty's size) to the scoring operators, if it changed. Shorter keeps answers "
                            + "fresher and costs a copy and a broadcast each time.");

    public static final ConfigOption<Duration> SCORING_MAX_WAIT = ConfigOptions.key("scoring.max-wait")
            .durationType()
            .defaultValue(Duration.ofMillis(100))
            .withDescription("With scoring.mode SEPARATE: longest an interaction waits in a scoring operator's "
                    + "partial batch (of up to training.batch-size) before the batch is scored anyway; the "
                    + "latency knob of that mode. Shorter waits cut smaller batches, whose passes cost more CPU "
                    + "per event and leave less to training (docs/results.md, \"Performance, session 6\").");

    public static final ConfigOption<TrainerOverload> TRAINER_OVERLOAD = ConfigOptions.key("scoring.trainer-overload")
            .enumType(TrainerOverload.class)
            .defaultValue(TrainerOverload.SKIP_EVENTS)
            .withDescription("With scoring.mode SEPARATE: what the training operator does when events arrive faster "
                    + "than its steps take them. SKIP_EVENTS keeps the newest batch for the next step and leaves "
                    + "older waiting events out of training (metric eventsNotTrainedOverload), so answers never "
                    + "wait for training; after a restart the replayed backlog is then mostly answered, not "
                    + "trained on. BACKPRESSURE trains on every event and holds back the input while a full batch "
                    + "waits, so answers wait too when training falls behind.");

    public static final ConfigOption<Integer> CENTRE_WARM_UP = ConfigOptions.key("training.centre-warm-up")
            .intType()
            .defaultValue(1024)
            .withDescription("Sequences collected from the start of the stream before the k intent centres are "
                    + "initialised by k-means on their embeddings; must be at least k.");

    public static final ConfigOption<Long> CENTRE_REFIT_STEP = ConfigOptions.key("training.centre-refit-at-step")
            .longType()
            .defaultValue(0L)
            .withDescription("When positive, the model version (training step) from which the intent centres are "
                    + "fitted once more by k-means, on the next training.centre-warm-up windows as the encoder "
                    + "embeds them by then: the first fit sees an encoder that has not learnt yet, and training "
                    + "does not move the centres onto what it learns later, so users crowd onto a few intents. "
                    + "Intent ids change meaning at the refit. A model whose centres were fitted at or after this "
                    + "step (a warm start from a later snapshot, a restore after the refit) is not refitted. 0 "
                    + "never refits, as the reference.");

    public static final ConfigOption<Double> PREQUENTIAL_SAMPLE_FRACTION =
            ConfigOptions.key("training.prequential.sample-fraction")
                    .doubleType()
                    .defaultValue(1.0)
                    .withDescription("Share of events (chosen by a hash of the event id) that the current model scores "
                            + "before it trains on them, for the prequential HR@10 and NDCG@10 metrics. Costs one "
                            + "extra inference pass over the sampled histories per batch; 0 turns it off.");

    public static final ConfigOption<Integer> PREQUENTIAL_WINDOW = ConfigOptions.key("training.prequential.window")
            .intType()
            .defaultValue(2_000)
            .withDescription("Scored events the prequential HR@10 and NDCG@10 moving averages cover.");

    public static final ConfigOption<Integer> OCCUPANCY_WINDOW = ConfigOptions.key("training.cluster-occupancy.window")
            .intType()
            .defaultValue(10_000)
            .withDescription("Most recent intent assignments the cluster-occupancy metrics (non-empty clusters, "
                    + "assignment entropy) are computed over.");

    public static final ConfigOption<Integer> ITEM_CAPACITY = ConfigOptions.key("model.item-capacity")
            .intType()
            .defaultValue(65_536)
            .withDescription("Rows of the item embedding table. New items take free rows; when all are taken the "
                    + "least recently seen item is evicted and its row reused.");

    public static final ConfigOption<String> PRESET = ConfigOptions.key("model.preset")
            .stringType()
            .defaultValue("beauty")
            .withDescription("Hyper-parameter preset: a dataset (cross-entropy, cosine contrast at 0.2, the paper's k, "
                    + "alpha, fusion and layers, except Beauty's alpha: 0.1 and layers: 2, and BSARec's low-pass "
                    + "filter at 0.9 on Beauty and 0.7 on Sports, all chosen on validation) or NAME-reference "
                    + "(the paper's settings as they are): one of " + String.join(", ", ElcRecConfig.PRESETS) + ".");

    public static final ConfigOption<Integer> CLUSTERS = ConfigOptions.key("model.clusters")
            .intType()
            .noDefaultValue()
            .withDescription("k, the number of intents; unset uses the preset's k (beauty and yelp 256, sports and "
                    + "toys 512).");

    public static final ConfigOption<Integer> HIDDEN_SIZE = ConfigOptions.key("model.hidden-size")
            .intType()
            .defaultValue(64)
            .withDescription("d, the embedding and hidden size; must be divisible by the 2 attention heads.");

    public static final ConfigOption<Integer> LAYERS = ConfigOptions.key("model.layers")
            .intType()
            .noDefaultValue()
            .withDescription("Transformer layers; unset uses the preset's (beauty, sports and yelp 2, toys 3; "
                    + "beauty-reference 1).");

    public static final ConfigOption<PositionEncoding> POSITION_ENCODING = ConfigOptions.key("model.position-encoding")
            .enumType(PositionEncoding.class)
            .noDefaultValue()
            .withDescription("How the encoder places items: WINDOW (a position row by slot in the padded window, the "
                    + "reference), FROM_START (a row by how many items precede it) or DISTANCE (no row; a learned "
                    + "attention score per query-key distance); unset uses the preset's (WINDOW).");

    public static final ConfigOption<Float> LOW_PASS_WEIGHT = ConfigOptions.key("model.low-pass-weight")
            .floatType()
            .noDefaultValue()
            .withDescription("Share in [0, 1) of a causal low-pass filter mixed into every block's attention "
                    + "(BSARec's alpha); unset uses the preset's (beauty 0.9, sports 0.7; toys, yelp and the "
                    + "*-reference presets 0: attention alone).");

    public static final ConfigOption<Integer> LOW_PASS_CUTOFF = ConfigOptions.key("model.low-pass-cutoff")
            .intType()
            .noDefaultValue()
            .withDescription("BSARec's c: the low-pass filter keeps the lowest c/2+1 frequencies of the window; "
                    + "unset uses the preset's (" + ElcRecConfig.DEFAULT_LOW_PASS_CUTOFF + ").");

    public static final ConfigOption<Float> WAVELET_WEIGHT = ConfigOptions.key("model.wavelet-weight")
            .floatType()
            .noDefaultValue()
            .withDescription("Share in [0, 1) of WEARec's Haar wavelet branch, made causal, inside the low-pass "
                    + "filter (each position's average with the item before it plus their difference scaled per "
                    + "hidden unit); needs model.low-pass-weight above 0; unset uses the preset's (0).");

    public static final ConfigOption<Boolean> ITEM_BIAS = ConfigOptions.key("model.item-bias")
            .booleanType()
            .noDefaultValue()
            .withDescription("Whether every next-item score adds a learned bias per item to the dot product of the "
                    + "sequence and the item (BERT4Rec's output bias); unset uses the preset's (false).");

    public static final ConfigOption<Float> WEIGHT_AVERAGE_DECAY = ConfigOptions.key("model.weight-average-decay")
            .floatType()
            .noDefaultValue()
            .withDescription("Decay d in [0, 1) of an exponential moving average of the weights that the model "
                    + "scores with (intents, recommendations, snapshots for scoring subtasks) while it trains the "
                    + "raw ones; it spans about 1/(1-d) steps, and fewer during a warm-up (a ninth of the steps so "
                    + "far, whichever is shorter). 0 scores with the raw weights; unset uses the preset's (0).");

    public static final ConfigOption<NextItemLossType> NEXT_ITEM_LOSS = ConfigOptions.key("model.next-item-loss")
            .enumType(NextItemLossType.class)
            .noDefaultValue()
            .withDescription("Next-item objective: BCE_ONE_NEGATIVE (the reference), SOFTMAX_CE (full softmax over "
                    + "every item), or SAMPLED_SOFTMAX (softmax over the true item and model.sampled-negatives items "
                    + "drawn per batch, for catalogues too large to score in full at every step); unset uses the "
                    + "preset's (SOFTMAX_CE, and BCE_ONE_NEGATIVE for the *-reference presets).");

    public static final ConfigOption<Integer> SAMPLED_NEGATIVES = ConfigOptions.key("model.sampled-negatives")
            .intType()
            .defaultValue(ElcRecConfig.DEFAULT_SAMPLED_NEGATIVES)
            .withDescription("Items drawn uniformly per training batch as the negatives of SAMPLED_SOFTMAX (shared "
                    + "by the batch's positions); a catalogue no larger than this is scored in full.");

    public static final ConfigOption<ContrastSimilarity> CONTRAST_SIMILARITY =
            ConfigOptions.key("model.contrast-similarity")
                    .enumType(ContrastSimilarity.class)
                    .noDefaultValue()
                    .withDescription("How the sequence and intent contrast compare representations: DOT (raw dot "
                            + "product, the reference) or COSINE (L2-normalised, use with a temperature below 1); "
                            + "unset uses the preset's (COSINE, and DOT for the *-reference presets).");

    public static final ConfigOption<Float> CONTRAST_TEMPERATURE = ConfigOptions.key("model.contrast-temperature")
            .floatType()
            .noDefaultValue()
            .withDescription("Temperature dividing the contrastive similarities; unset uses the preset's (0.2, and "
                    + "1.0, the reference's, for the *-reference presets).");

    public static final ConfigOption<Float> CLUSTER_LOSS_WEIGHT = ConfigOptions.key("model.cluster-loss-weight")
            .floatType()
            .noDefaultValue()
            .withDescription("alpha, the weight of the cluster loss; unset uses the preset's (beauty, sports "
                    + "and yelp 0.1, beauty-reference 10, sports-reference and toys 1). 0 leaves the centres to "
                    + "the intent contrast.");

    public static final ConfigOption<Float> SEQUENCE_CONTRAST_WEIGHT = ConfigOptions.key("model.sequence-contrast-weight")
            .floatType()
            .defaultValue(0.1f)
            .withDescription("Weight of the sequence contrast (NT-Xent between two augmented views); 0.1 is the "
                    + "reference's. 0 turns it off.");

    public static final ConfigOption<Float> INTENT_CONTRAST_WEIGHT = ConfigOptions.key("model.intent-contrast-weight")
            .floatType()
            .defaultValue(0.1f)
            .withDescription("Weight of the intent contrast (views against their user's assigned centre); 0.1 is the "
                    + "reference's.");

    public static final ConfigOption<Float> LEARNING_RATE = ConfigOptions.key("model.learning-rate")
            .floatType()
            .defaultValue(1e-3f)
            .withDescription("Adam learning rate.");

    public static final ConfigOption<Long> SEED = ConfigOptions.key("model.seed")
            .longType()
            .defaultValue(42L)
            .withDescription("Seed of parameter initialisation, dropout, augmentation and negative sampling.");

    public static final ConfigOption<Device> DEVICE = ConfigOptions.key("model.device")
            .enumType(Device.class)
            .defaultValue(Device.AUTO)
            .withDescription("Where the model runs: AUTO (a GPU if the engine sees one), CPU, or GPU (fails "
                    + "without one).");

    public static final ConfigOption<Integer> TOP_N = ConfigOptions.key("recommend.top-n")
            .intType()
            .defaultValue(20)
            .withDescription("Items per recommendation.");

    // ---------------------------------------------------------------- Model import and export

    public static final ConfigOption<String> MODEL_INIT_PATH = ConfigOptions.key("model.init-path")
            .stringType()
            .noDefaultValue()
            .withDescription("Model snapshot to start from when the job starts without state: an export directory "
                    + "(its newest snapshot), one snapshot directory, or a snapshot file such as train's "
                    + "best-model.bin. The snapshot's own model settings win over the model.* options. A restored "
                    + "checkpoint wins over this. Read by the task manager that trains; a local path or a Flink "
                    + "file system URI.");

    public static final ConfigOption<String> EXPORT_DIRECTORY = ConfigOptions.key("model.export.directory")
            .stringType()
            .noDefaultValue()
            .withDescription("Directory the training operator exports versioned model snapshots to (each "
                    + "committed by its manifest.json, written last): every model.export.interval and at the end of a "
                    + "bounded input. Unset: no export. A local or mounted path of the task manager that trains, or a "
                    + "Flink file system URI (s3://, gs://, hdfs://, ...) whose plugin the cluster has.");

    public static final ConfigOption<Duration> EXPORT_INTERVAL = ConfigOptions.key("model.export.interval")
            .durationType()
            .noDefaultValue()
            .withDescription("Processing time between exports while the job runs (checked after each batch); unset "
                    + "exports only at the end of a bounded input.");

    public static final ConfigOption<Integer> EXPORT_RETENTION = ConfigOptions.key("model.export.retention")
            .intType()
            .defaultValue(5)
            .withDescription("Exported snapshots kept in model.export.directory; older ones are deleted after each "
                    + "export.");

    public static final ConfigOption<String> CENTRES_TOPIC = ConfigOptions.key("model.centres.topic")
            .stringType()
            .noDefaultValue()
            .withDescription("Compacted Kafka topic the training operator publishes the intent centres to (one JSON "
                    + "record per centre, key centre-<id>, with the model version), so consumers can interpret "
                    + "cluster ids; created compacted when missing. Unset: not published.");

    public static final ConfigOption<Duration> CENTRES_INTERVAL = ConfigOptions.key("model.centres.interval")
            .durationType()
            .defaultValue(Duration.ofMinutes(1))
            .withDescription("Processing time between publications of the centres (only when the model changed), "
                    + "and once more at the end of a bounded input.");

    // ---------------------------------------------------------------- Validation

    public static final ConfigOption<String> EARLIEST_EVENT_TIME = ConfigOptions.key("validation.earliest-event-time")
            .stringType()
            .defaultValue("2000-01-01T00:00:00Z")
            .withDescription("Interactions with an event time before this ISO-8601 instant go to the dead letters "
                    + "(INVALID): timestamps in seconds instead of milliseconds, zero or garbage.");

    public static final ConfigOption<Duration> MAX_EVENT_TIME_AHEAD = ConfigOptions.key("validation.max-event-time-ahead")
            .durationType()
            .defaultValue(Duration.ofHours(1))
            .withDescription("Interactions whose event time is more than this after the wall clock when they are "
                    + "read go to the dead letters (INVALID): one such event would push the watermark into the "
                    + "future and make every later event late.");

    public static final ConfigOption<Integer> MAX_ID_LENGTH = ConfigOptions.key("validation.max-id-length")
            .intType()
            .defaultValue(256)
            .withDescription("Longest event, user or item id (characters) accepted; longer ones go to the dead "
                    + "letters (INVALID), so a broken producer cannot fill state and the item index with huge keys.");

    public static final ConfigOption<Duration> DUPLICATE_RETENTION = ConfigOptions.key("validation.duplicate-retention")
            .durationType()
            .defaultValue(Duration.ofHours(1))
            .withDescription("How long (processing time) a user's event ids are remembered to recognise duplicates; "
                    + "an event whose id the same user already sent within this time goes to the dead letters "
                    + "(DUPLICATE). Costs one state entry per event within the window.");

    // ---------------------------------------------------------------- Checkpointing

    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL = ConfigOptions.key("checkpointing.interval")
            .durationType()
            .defaultValue(Duration.ofSeconds(30))
            .withDescription("Checkpoint interval (unaligned checkpoints). Exactly-once outputs become visible to "
                    + "read_committed consumers once per interval.");

    /** Every option above, in declaration order (for help output and unknown-key checks). */
    public static List<ConfigOption<?>> all() {
        List<ConfigOption<?>> options = new ArrayList<>();
        for (Field field : IntentStreamOptions.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == ConfigOption.class) {
                try {
                    options.add((ConfigOption<?>) field.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return Collections.unmodifiableList(options);
    }

    private static final List<String> OWN_PREFIXES = List.of(
            "kafka.", "watermark.", "sequence.", "user-state.", "training.", "model.", "recommend.", "checkpointing.",
            "validation.", "scoring.");

    /**
     * Parses {@code --key value} pairs (also {@code --key=value}) into a configuration. Keys under one of our
     * prefixes must be known options, so typos fail here instead of silently using a default.
     *
     * @throws IllegalArgumentException naming the argument that cannot be parsed
     */
    public static Configuration fromArgs(String... args) {
        Configuration configuration = new Configuration();
        List<String> known = all().stream().map(ConfigOption::key).toList();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new IllegalArgumentException("Expected an option '--key value' but got '" + arg + "'");
            }
            String key;
            String value;
            int equals = arg.indexOf('=');
            if (equals > 0) {
                key = arg.substring(2, equals);
                value = arg.substring(equals + 1);
            } else {
                key = arg.substring(2);
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("Option --" + key + " needs a value");
                }
                value = args[++i];
            }
            if (OWN_PREFIXES.stream().anyMatch(key::startsWith) && !known.contains(key)) {
                throw new IllegalArgumentException("Unknown option --" + key + "; known options: "
                        + String.join(", ", known));
            }
            configuration.setString(key, value);
        }
        return configuration;
    }

    /** The training operator's {@link #MAX_BATCH_WAIT}: as set, or the default of the {@link #SCORING_MODE}. */
    public static Duration trainingMaxWait(Configuration configuration) {
        return configuration.getOptional(MAX_BATCH_WAIT).orElse(
                configuration.get(SCORING_MODE) == ScoringMode.SEPARATE ? SEPARATE_TRAINING_MAX_WAIT : INLINE_MAX_WAIT);
    }

    /**
     * Checks every option of {@code configuration} and the model configuration they produce.
     *
     * @return the same configuration, for chaining
     * @throws IllegalArgumentException whose message names the offending option and what is allowed
     */
    public static Configuration validate(Configuration configuration) {
        for (ConfigOption<?> option : all()) {
            read(configuration, option); // type errors first, with the key in the message
        }
        requireNonBlank(configuration, BOOTSTRAP_SERVERS);
        requireNonBlank(configuration, INPUT_TOPIC);
        requireNonBlank(configuration, INTENTS_TOPIC);
        requireNonBlank(configuration, RECOMMENDATIONS_TOPIC);
        requireNonBlank(configuration, DEAD_LETTER_TOPIC);
        requireNonBlank(configuration, CONSUMER_GROUP);
        String input = configuration.get(INPUT_TOPIC);
        for (ConfigOption<String> output : List.of(INTENTS_TOPIC, RECOMMENDATIONS_TOPIC, DEAD_LETTER_TOPIC)) {
            check(!configuration.get(output).equals(input), output,
                    "must differ from " + INPUT_TOPIC.key() + " ('" + input + "'), or the job reads its own output");
        }
        if (configuration.get(DELIVERY_GUARANTEE) == DeliveryGuarantee.EXACTLY_ONCE) {
            requireNonBlank(configuration, TRANSACTIONAL_ID_PREFIX);
        }
        requirePositive(configuration, TRANSACTION_TIMEOUT);
        check(configuration.get(TRANSACTION_TIMEOUT).compareTo(configuration.get(CHECKPOINT_INTERVAL)) > 0,
                TRANSACTION_TIMEOUT, "must be longer than " + CHECKPOINT_INTERVAL.key() + " ("
                        + configuration.get(CHECKPOINT_INTERVAL) + ")");
        check(!configuration.get(MAX_OUT_OF_ORDERNESS).isNegative(), MAX_OUT_OF_ORDERNESS, "must not be negative");
        requirePositive(configuration, SOURCE_IDLENESS);
        configuration.getOptional(MAX_SEQUENCE_LENGTH).ifPresent(length -> check(length >= 2, MAX_SEQUENCE_LENGTH,
                "must be at least 2, got " + length));
        requirePositive(configuration, USER_STATE_TTL);
        requireAtLeast(configuration, BATCH_SIZE, 1);
        configuration.getOptional(MAX_BATCH_WAIT).ifPresent(wait -> requirePositive(configuration, MAX_BATCH_WAIT));
        requirePositive(configuration, SCORING_MAX_WAIT);
        requirePositive(configuration, MAX_BATCH_EVENT_TIME_SPAN);
        try {
            java.time.Instant.parse(configuration.get(EARLIEST_EVENT_TIME));
        } catch (java.time.format.DateTimeParseException e) {
            check(false, EARLIEST_EVENT_TIME, "must be an ISO-8601 instant such as 2000-01-01T00:00:00Z, got '"
                    + configuration.get(EARLIEST_EVENT_TIME) + "'");
        }
        requirePositive(configuration, MAX_EVENT_TIME_AHEAD);
        requireAtLeast(configuration, MAX_ID_LENGTH, 1);
        requirePositive(configuration, DUPLICATE_RETENTION);
        configuration.getOptional(ONLINE_LEARNING_RATE).ifPresent(rate -> check(rate > 0 && Double.isFinite(rate),
                ONLINE_LEARNING_RATE, "must be a positive number, got " + rate));
        double trainingFraction = configuration.get(TRAINING_FRACTION);
        check(trainingFraction >= 0 && trainingFraction <= 1, TRAINING_FRACTION,
                "must be between 0 and 1, got " + trainingFraction);
        double fraction = configuration.get(PREQUENTIAL_SAMPLE_FRACTION);
        check(fraction >= 0 && fraction <= 1, PREQUENTIAL_SAMPLE_FRACTION, "must be between 0 and 1, got " + fraction);
        requireAtLeast(configuration, PREQUENTIAL_WINDOW, 1);
        requireAtLeast(configuration, OCCUPANCY_WINDOW, 1);
        requireAtLeast(configuration, ITEM_CAPACITY, 2);
        String preset = configuration.get(PRESET).toLowerCase(Locale.ROOT);
        check(ElcRecConfig.PRESETS.contains(preset), PRESET, "must be one of " + String.join(", ", ElcRecConfig.PRESETS));
        configuration.getOptional(CLUSTERS).ifPresent(k -> requireAtLeast(configuration, CLUSTERS, 2));
        configuration.getOptional(LAYERS).ifPresent(l -> requireAtLeast(configuration, LAYERS, 1));
        requireAtLeast(configuration, HIDDEN_SIZE, 2);
        requireAtLeast(configuration, SAMPLED_NEGATIVES, 1);
        check(configuration.get(HIDDEN_SIZE) % 2 == 0, HIDDEN_SIZE, "must be divisible by the 2 attention heads");
        check(configuration.get(LEARNING_RATE) > 0 && Float.isFinite(configuration.get(LEARNING_RATE)),
                LEARNING_RATE, "must be a positive number");
        configuration.getOptional(CLUSTER_LOSS_WEIGHT).ifPresent(w -> requireWeight(configuration, CLUSTER_LOSS_WEIGHT));
        requireWeight(configuration, SEQUENCE_CONTRAST_WEIGHT);
        requireWeight(configuration, INTENT_CONTRAST_WEIGHT);
        requireAtLeast(configuration, TOP_N, 1);
        check(configuration.get(TOP_N) <= configuration.get(ITEM_CAPACITY), TOP_N,
                "must not exceed " + ITEM_CAPACITY.key() + " (" + configuration.get(ITEM_CAPACITY) + ")");
        requirePositive(configuration, CHECKPOINT_INTERVAL);
        configuration.getOptional(MODEL_INIT_PATH).ifPresent(path -> requireNonBlank(configuration, MODEL_INIT_PATH));
        configuration.getOptional(EXPORT_DIRECTORY).ifPresent(path -> requireNonBlank(configuration, EXPORT_DIRECTORY));
        configuration.getOptional(EXPORT_INTERVAL).ifPresent(interval -> {
            requirePositive(configuration, EXPORT_INTERVAL);
            check(configuration.getOptional(EXPORT_DIRECTORY).isPresent(), EXPORT_INTERVAL,
                    "needs " + EXPORT_DIRECTORY.key() + " to say where to export");
        });
        requireAtLeast(configuration, EXPORT_RETENTION, 1);
        configuration.getOptional(CENTRES_TOPIC).ifPresent(topic -> {
            requireNonBlank(configuration, CENTRES_TOPIC);
            for (ConfigOption<String> other : List.of(INPUT_TOPIC, INTENTS_TOPIC, RECOMMENDATIONS_TOPIC,
                    DEAD_LETTER_TOPIC)) {
                check(!topic.equals(configuration.get(other)), CENTRES_TOPIC, "must differ from " + other.key());
            }
        });
        requirePositive(configuration, CENTRES_INTERVAL);
        check(configuration.get(CENTRE_REFIT_STEP) >= 0, CENTRE_REFIT_STEP,
                "must be >= 0 (0 never refits), got " + configuration.get(CENTRE_REFIT_STEP));
        requirePositive(configuration, SCORING_MODEL_UPDATE_INTERVAL);
        ElcRecConfig model = modelConfigUnchecked(configuration);
        check(configuration.get(CENTRE_WARM_UP) >= model.clusters(), CENTRE_WARM_UP,
                "must be at least k (" + model.clusters() + ", from "
                        + (configuration.getOptional(CLUSTERS).isPresent() ? CLUSTERS.key() : PRESET.key() + " " + preset)
                        + ") so that k-means has a point per centre");
        return configuration;
    }

    /** The model hyper-parameters these options describe: the preset, overridden by the explicit settings. */
    public static ElcRecConfig modelConfig(Configuration configuration) {
        validate(configuration);
        return modelConfigUnchecked(configuration);
    }

    private static ElcRecConfig modelConfigUnchecked(Configuration configuration) {
        ElcRecConfig.Builder builder = ElcRecConfig.preset(configuration.get(PRESET), configuration.get(ITEM_CAPACITY))
                .toBuilder()
                .hiddenSize(configuration.get(HIDDEN_SIZE))
                .learningRate(configuration.get(LEARNING_RATE))
                .sequenceContrastWeight(configuration.get(SEQUENCE_CONTRAST_WEIGHT))
                .intentContrastWeight(configuration.get(INTENT_CONTRAST_WEIGHT))
                .seed(configuration.get(SEED))
                .device(configuration.get(DEVICE));
        configuration.getOptional(MAX_SEQUENCE_LENGTH).ifPresent(builder::maxSequenceLength);
        configuration.getOptional(CLUSTERS).ifPresent(builder::clusters);
        configuration.getOptional(NEXT_ITEM_LOSS).ifPresent(builder::nextItemLoss);
        builder.sampledNegatives(configuration.get(SAMPLED_NEGATIVES));
        configuration.getOptional(CONTRAST_SIMILARITY).ifPresent(builder::contrastSimilarity);
        configuration.getOptional(CONTRAST_TEMPERATURE).ifPresent(builder::temperature);
        configuration.getOptional(LAYERS).ifPresent(builder::layers);
        configuration.getOptional(POSITION_ENCODING).ifPresent(builder::positionEncoding);
        configuration.getOptional(LOW_PASS_WEIGHT).ifPresent(builder::lowPassWeight);
        configuration.getOptional(LOW_PASS_CUTOFF).ifPresent(builder::lowPassCutoff);
        configuration.getOptional(WAVELET_WEIGHT).ifPresent(builder::waveletWeight);
        configuration.getOptional(WEIGHT_AVERAGE_DECAY).ifPresent(builder::weightAverageDecay);
        configuration.getOptional(ITEM_BIAS).ifPresent(builder::itemBias);
        configuration.getOptional(CLUSTER_LOSS_WEIGHT).ifPresent(builder::clusterLossWeight);
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid model settings: " + e.getMessage(), e);
        }
    }

    private static <T> Optional<T> read(Configuration configuration, ConfigOption<T> option) {
        try {
            return configuration.getOptional(option);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Option " + option.key() + ": " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        StringBuilder message = new StringBuilder(String.valueOf(t.getMessage()));
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            message.append(" (").append(t.getMessage()).append(')');
        }
        return message.toString();
    }

    private static void requireNonBlank(Configuration configuration, ConfigOption<String> option) {
        check(!configuration.get(option).isBlank(), option, "must not be blank");
    }

    private static void requireWeight(Configuration configuration, ConfigOption<Float> option) {
        float weight = configuration.get(option);
        check(weight >= 0 && Float.isFinite(weight), option, "must be a finite number >= 0, got " + weight);
    }

    private static void requirePositive(Configuration configuration, ConfigOption<Duration> option) {
        Duration value = configuration.get(option);
        check(!value.isNegative() && !value.isZero(), option, "must be a positive duration, got " + value);
    }

    private static void requireAtLeast(Configuration configuration, ConfigOption<Integer> option, int minimum) {
        int value = configuration.get(option);
        check(value >= minimum, option, "must be at least " + minimum + ", got " + value);
    }

    private static void check(boolean condition, ConfigOption<?> option, String problem) {
        if (!condition) {
            throw new IllegalArgumentException("Option " + option.key() + " " + problem);
        }
    }

    /** One entry per option (key, default, description) for help output. */
    public static String describe() {
        StringBuilder text = new StringBuilder();
        for (ConfigOption<?> option : all()) {
            text.append("--").append(option.key());
            if (option.hasDefaultValue()) {
                Object value = option.defaultValue();
                text.append(" (default ")
                        .append(value instanceof Duration d ? TimeUtils.formatWithHighestUnit(d) : value)
                        .append(')');
            }
            text.append("\n    ").append(descriptionText(option)).append('\n');
        }
        return text.toString();
    }

    /** The plain text of an option's description (ours are single text blocks). */
    public static String descriptionText(ConfigOption<?> option) {
        StringBuilder text = new StringBuilder();
        for (BlockElement block : option.description().getBlocks()) {
            if (block instanceof TextElement element) {
                text.append(element.getFormat());
            }
        }
        return text.toString();
    }
}
