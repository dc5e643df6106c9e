package io.intentstream.job.training;

import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.history.SequenceEvent;
import io.intentstream.job.replay.ModelExchange;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.LossParts;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.util.OutputTag;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Trains the ELCRec model online and scores every interaction with it: the single place where the model lives.
 *
 * <p>Buffers {@link SequenceEvent}s and hands a batch to the {@link OnlineTrainer} when it reaches the batch size,
 * before an event whose event time is {@code maxEventTimeSpan} or more after the batch's first event, when the
 * watermark passes the first event's time plus that span, when its first event has waited {@code maxWait}
 * (processing-time timer), or at the end of a bounded input ({@link EventBatches}). Each
 * batch yields one {@link IntentAssignment} per event on the main output and one {@link Recommendation} per event
 * on {@link #RECOMMENDATIONS}, both stamped with the event's own time. Watermarks are held back while events are
 * buffered, so that downstream event time never passes an event that has not been emitted yet.
 *
 * <p>Determinism: the first two rules and the end of input depend only on the events and their order, so the
 * same input in the same order forms the same batches and, the model being deterministic, the same model, with
 * or without a failure and restore in between. The watermark rule depends on where watermarks fall between the
 * events (periodic watermarks fall by wall-clock time; it only fires when the watermark runs ahead of this
 * operator's own events, as with several input channels or idle sources); the wait rule depends on wall-clock
 * time. Either one firing can cut a batch elsewhere and change the model that follows. With several upstream
 * subtasks the order in which their events arrive here is itself not reproducible.
 *
 * <p>With {@code training.fraction} below 1 ({@link #withTrainingFraction}) the step trains only on the events
 * a hash of their id chooses ({@link EventSample}); the batches are cut as above, every event is still answered by
 * the batch's scoring pass, and the choice depends on the ids alone, so replays and restores stay bit-identical.
 *
 * <p>A {@link #trainOnly} operator forms the same batches and takes the same steps, but skips the scoring pass and
 * the prequential ranking and emits nothing: the model ends bit-identical, for runs whose outputs nobody reads.
 * Together with {@link #withModelUpdates} it is the training half of {@code scoring.mode: separate}: it publishes
 * versioned scoring snapshots on {@link #MODEL_UPDATES}, and {@link IntentScoringOperator}s answer the events.
 *
 * <p>Runs with parallelism 1 (one model). Everything needed to continue after a failure is operator state: the
 * model snapshot (parameters, Adam moments, step, RNG, version, item index), the buffered events, the centre
 * warm-up sequences and the version at which the centres were last fitted. {@link #initializeState} restores them
 * before any model is created, so a restored job never trains a fresh model first. A training step blocks this
 * thread; the job uses unaligned checkpoints. When it publishes model updates, steps run on a thread of their own
 * instead, and a checkpoint waits for the running step before it copies the model.
 */
public final class IntentTrainingOperator extends AbstractStreamOperator<IntentAssignment>
        implements OneInputStreamOperator<SequenceEvent, IntentAssignment>, BoundedOneInput {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<Recommendation> RECOMMENDATIONS =
            new OutputTag<>("recommendations", new AvroTypeInfo<>(Recommendation.class));

    /**
     * Scoring snapshots of the model ({@link OnlineTrainer#scoringSnapshot()}) for the scoring operator, when the
     * trainer publishes them ({@link #withModelUpdates}).
     */
    public static final OutputTag<byte[]> MODEL_UPDATES =
            new OutputTag<>("model-updates", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    public static final String TRAIN_STEPS_ACCUMULATOR = "intent-stream.train-steps";
    public static final String LOSS_ACCUMULATOR = "intent-stream.loss";
    /** {@link io.intentstream.model.ModelSnapshot#checksum()} of the model at the end of a bounded input. */
    public static final String FINAL_MODEL_CHECKSUM_ACCUMULATOR = "intent-stream.final-model-checksum";
    /** Version of the model at the end of a bounded input. */
    public static final String FINAL_MODEL_VERSION_ACCUMULATOR = "intent-stream.final-model-version";
    /** Items in the index at the end of a bounded input. */
    public static final String FINAL_ITEM_COUNT_ACCUMULATOR = "intent-stream.final-item-count";
    /** Checksum stored with the checkpoint this attempt restored from (absent when it started without state). */
    public static final String CHECKPOINTED_MODEL_CHECKSUM_ACCUMULATOR = "intent-stream.checkpointed-model-checksum";
    /** Checksum of the model as restored by this attempt; restore fails if it differs from the stored one. */
    public static final String RESTORED_MODEL_CHECKSUM_ACCUMULATOR = "intent-stream.restored-model-checksum";
    /** Events whose (history, item) pair went into a training step. */
    public static final String TRAINED_EVENTS_ACCUMULATOR = "intent-stream.trained-events";
    /** Events answered (one intent and one recommendation each); none in a {@link #trainOnly} run. */
    public static final String EVENTS_OUT_ACCUMULATOR = "intent-stream.events-out";
    /** Events answered by the forward pass alone: not chosen by training.fraction, or nothing to train on. */
    public static final String SCORED_ONLY_EVENTS_ACCUMULATOR = "intent-stream.scored-only-events";
    /** Prequential evaluation over the whole run (not the moving window): events scored, hits@10, NDCG@10 sum. */
    public static final String PREQUENTIAL_SCORED_ACCUMULATOR = "intent-stream.prequential-scored";
    public static final String PREQUENTIAL_HITS_ACCUMULATOR = "intent-stream.prequential-hits";
    public static final String PREQUENTIAL_NDCG_SUM_ACCUMULATOR = "intent-stream.prequential-ndcg-sum";
    /**
     * Wall-clock nanoseconds from this attempt's first event to the end of a bounded input: the operator's busy
     * span, without the job's start-up (for throughput figures).
     */
    public static final String ACTIVE_NANOS_ACCUMULATOR = "intent-stream.active-nanos";

    private final ElcRecConfig modelConfig;
    private final int batchSize;
    private final long maxWaitMillis;
    private final long maxEventTimeSpanMillis;
    private final int topN;
    private final int warmUpSize;
    /** {@link OnlineTrainer#refitCentresAtStep}: 0 never refits. */
    private long centreRefitStep;

    private TrainingMetrics.Settings metricsSettings = TrainingMetrics.Settings.DEFAULTS;
    private EventSample trainingSample = EventSample.training(1.0);
    private boolean answerBeforeStep;
    /** Adam's rate for this job's steps whatever the model's own; NaN keeps the model's (config or snapshot). */
    private double onlineLearningRate = Double.NaN;
    /** False in a train-only run: no scoring pass, no prequential ranking, nothing emitted. */
    private boolean answersEvents = true;
    private transient TrainingMetrics trainingMetrics;

    private transient OnlineTrainer trainer;
    private transient EventBatches batches;
    /** Publish the model on {@link #MODEL_UPDATES} this often; 0 publishes none (the trainer answers itself). */
    private long modelUpdateIntervalMillis;
    /** With model updates: leave out of training what arrives during a step beyond a batch (else wait for it). */
    private boolean skipEventsWhenBehind = true;
    /** {@link OnlineTrainer#stateChanges()} at the last published model update; -1 before the first. */
    private transient long publishedAtChange;
    /** Processing time of the last published model update. */
    private transient long publishedAtMillis;
    /**
     * With model updates, steps run on this thread of their own, so the operator keeps taking events during a
     * step and never holds back the history operator (and with it the scoring operators) while it trains.
     */
    private transient ExecutorService stepThread;
    /** The step running on {@link #stepThread}; null when none. Touched on the operator thread only. */
    private transient CompletableFuture<Void> stepInFlight;
    private transient MailboxExecutor mailbox;
    /** Events left out of training because they arrived faster than the steps could take them. */
    private transient Counter shedEvents;

    private transient ListState<byte[]> modelState;
    private transient ListState<SequenceEvent> bufferState;
    private transient ListState<int[]> warmUpState;
    private transient ListState<Long> checksumState;
    private transient ListState<Long> centresFittedAtState;
    /** Set when this attempt restored a model: the checksum stored in the checkpoint and the restored one. */
    private transient long[] restoredChecksums;
    private transient long restoreMillis;

    /** Warm start from and export to model snapshots; set before the job is submitted. */
    private ModelExchange modelExchange = ModelExchange.NONE;

    private transient Counter eventsIn;
    private transient Histogram batchSizes;
    private transient Histogram trainStepMillis;
    private transient volatile LossParts lastLoss;
    private transient LongCounter trainSteps;
    /** Steps the model dropped because their loss or a gradient was not finite (parameters left unchanged). */
    private transient Counter skippedTrainSteps;
    private transient LatestValueAccumulator lossAccumulator;
    private transient Histogram snapshotEncodeMillis;
    private transient Counter snapshotsReused;
    private transient Counter modelUpdates;
    private transient LongCounter trainedEvents;
    private transient LongCounter scoredOnlyEvents;
    private transient AnswerAccumulators answerAccumulators;
    /** System.nanoTime() of this attempt's first event; 0 until then. */
    private transient long firstEventNanos;

    public IntentTrainingOperator(ElcRecConfig modelConfig, int batchSize, Duration maxWait, Duration maxEventTimeSpan,
            int topN, int warmUpSize) {
        EventBatches.validate(batchSize, maxWait, maxEventTimeSpan, topN);
        if (warmUpSize < modelConfig.clusters()) {
            throw new IllegalArgumentException(
                    "warmUpSize (" + warmUpSize + ") must be at least k (" + modelConfig.clusters() + ")");
        }
        this.modelConfig = modelConfig;
        this.batchSize = batchSize;
        this.maxWaitMillis = maxWait.toMillis();
        this.maxEventTimeSpanMillis = maxEventTimeSpan.toMillis();
        this.topN = topN;
        this.warmUpSize = warmUpSize;
    }

    /** Starts a stateless job from a snapshot and exports snapshots, as {@code exchange} says (default: neither). */
    public IntentTrainingOperator withModelExchange(ModelExchange exchange) {
        this.modelExchange = java.util.Objects.requireNonNull(exchange, "exchange");
        return this;
    }

    /**
     * Fits the centres once more when the model reaches training step {@code step} ({@code
     * training.centre-refit-at-step}; 0, the default, never refits): {@link OnlineTrainer#refitCentresAtStep}.
     */
    public IntentTrainingOperator withCentreRefitStep(long step) {
        this.centreRefitStep = step; // checked by the options, and by the trainer it is handed to
        return this;
    }

    /**
     * Trains on the share {@code fraction} of the events, chosen by a hash of the event id
     * ({@link EventSample#training}); every event is still scored. 1 (the default) trains on all, 0 on none and
     * leaves the model and its item index as they started.
     */
    public IntentTrainingOperator withTrainingFraction(double fraction) {
        this.trainingSample = EventSample.training(fraction);
        return this;
    }

    /**
     * Trains exactly as it would otherwise (same batches, same steps, same model), but answers no event: no
     * scoring pass (the top-N over all items), no prequential ranking, no intents and no recommendations. For runs
     * whose outputs nobody reads, such as the non-final epochs of a replay, where scoring would cost time for
     * nothing.
     */
    public IntentTrainingOperator trainOnly() {
        this.answersEvents = false;
        return this;
    }

    /**
     * With {@code true}, every batch is answered (scored and emitted) with the model as it is before the batch's
     * step, and then trained on ({@link OnlineTrainer#answerThenTrain}): the step leaves the events' latency path,
     * and their answers come from a model one step older. {@code false} (the default) trains first.
     */
    public IntentTrainingOperator withAnswerBeforeStep(boolean answerFirst) {
        this.answerBeforeStep = answerFirst;
        return this;
    }

    /**
     * Steps at {@code learningRate} whether the model is fresh, an initial snapshot (model.init-path) or restored
     * from a checkpoint, instead of the rate the model carries; empty keeps that rate.
     */
    public IntentTrainingOperator withOnlineLearningRate(OptionalDouble learningRate) {
        learningRate.ifPresent(rate -> {
            if (!(rate > 0 && Double.isFinite(rate))) {
                throw new IllegalArgumentException("learning rate must be a positive number, got " + rate);
            }
        });
        this.onlineLearningRate = learningRate.orElse(Double.NaN);
        return this;
    }

    private OptionalDouble onlineLearningRate() {
        return Double.isNaN(onlineLearningRate) ? OptionalDouble.empty() : OptionalDouble.of(onlineLearningRate);
    }

    /**
     * Publishes the model's scoring snapshot on {@link #MODEL_UPDATES} when the operator starts, then every
     * {@code interval} if it changed, and at the end of a bounded input: for an {@link IntentScoringOperator} that
     * answers the events while this operator trains ({@code scoring.mode: separate}).
     */
    public IntentTrainingOperator withModelUpdates(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the model update interval must be positive, got " + interval);
        }
        this.modelUpdateIntervalMillis = interval.toMillis();
        return this;
    }

    /**
     * With {@link #withModelUpdates}: {@code true} (the default) leaves out of training the events that wait
     * beyond a full batch while a step runs; {@code false} waits for the step instead, holding back the input.
     */
    public IntentTrainingOperator withSkipEventsWhenBehind(boolean skip) {
        this.skipEventsWhenBehind = skip;
        return this;
    }

    /** Prequential sampling and metric windows (TrainingMetrics); the defaults when not called. */
    public IntentTrainingOperator withMetrics(TrainingMetrics.Settings settings) {
        this.metricsSettings = java.util.Objects.requireNonNull(settings, "settings");
        return this;
    }

    private ElcRecConfig atOnlineLearningRate(ElcRecConfig config) {
        return Double.isNaN(onlineLearningRate)
                ? config
                : config.toBuilder().learningRate((float) onlineLearningRate).build();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        modelState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("model-snapshot", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        bufferState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("pending-events", TypeInformation.of(SequenceEvent.class)));
        warmUpState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("centre-warm-up", PrimitiveArrayTypeInfo.INT_PRIMITIVE_ARRAY_TYPE_INFO));
        checksumState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("model-checksum", BasicTypeInfo.LONG_TYPE_INFO));
        centresFittedAtState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("centres-fitted-at", BasicTypeInfo.LONG_TYPE_INFO));

        batches = stepsOnOwnThread()
                ? new EventBatches(batchSize, maxWaitMillis, maxEventTimeSpanMillis, getProcessingTimeService(),
                        this::startStep, super::processWatermark, this::stepIdle)
                : new EventBatches(batchSize, maxWaitMillis, maxEventTimeSpanMillis, getProcessingTimeService(),
                        this::handleBatch, super::processWatermark, () -> true);
        byte[] snapshot = null;
        if (context.isRestored()) {
            snapshot = StateChunks.join(modelState.get());
            batches.restore(bufferState.get());
        }
        // The GPU Flink's external resource gave this TaskManager (device 0 without one; ignored on the CPU).
        int gpu = GpuSelection.gpuIndex(getRuntimeContext().getExternalResourceInfos(GpuSelection.RESOURCE_NAME));
        if (snapshot != null) {
            List<int[]> warmUp = new ArrayList<>();
            warmUpState.get().forEach(warmUp::add);
            long start = System.nanoTime();
            trainer = OnlineTrainer.restore(snapshot, warmUp, warmUpSize, gpu, onlineLearningRate());
            restoreMillis = (System.nanoTime() - start) / 1_000_000;
            // Absent from checkpoints of builds before the refit: their centres count as fitted at the restored
            // version, so an upgraded job does not refit at once.
            centresFittedAtState.get().forEach(trainer::restoreCentresFittedAt);
            verifyRestoredChecksum();
            if (!trainer.config().equals(atOnlineLearningRate(modelConfig))) {
                LOG.warn("Restored model keeps its own configuration {}; the configured one {} is ignored until "
                        + "the job starts without state", trainer.config(), modelConfig);
            }
            LOG.info("Restored model version {} (checksum {}) with {} items and {} buffered events in {} ms",
                    trainer.modelVersion(), Long.toHexString(restoredChecksums[1]), trainer.itemIndex().size(),
                    batches.size(), restoreMillis);
        } else {
            byte[] initial = modelExchange.initialSnapshot();
            trainer = initial == null
                    ? OnlineTrainer.create(atOnlineLearningRate(modelConfig), warmUpSize, gpu)
                    : OnlineTrainer.restore(initial, List.of(), warmUpSize, gpu, onlineLearningRate());
            if (initial != null) {
                LOG.info("Started from model version {} (checksum {}) with {} items", trainer.modelVersion(),
                        Long.toHexString(trainer.checksum()), trainer.itemIndex().size());
            } else if (trainingSample.fraction() == 0) {
                LOG.warn("training.fraction is 0 and no initial model (model.init-path) is given: the job scores "
                        + "with a fresh, untrained model that it never trains, and whose empty item index "
                        + "recommends nothing");
            }
        }
        trainer.refitCentresAtStep(centreRefitStep);
    }

    /**
     * Compares the restored model with the checksum stored next to it, so that a checkpoint that does not restore
     * bit for bit fails the restore instead of silently continuing with another model. Checkpoints written before
     * the checksum was stored have none; they are restored unchecked.
     */
    private void verifyRestoredChecksum() throws Exception {
        Long stored = null;
        for (Long checksum : checksumState.get()) {
            stored = checksum;
        }
        long restored = trainer.checksum();
        if (stored != null && stored != restored) {
            throw new IllegalStateException("Restored model checksum " + Long.toHexString(restored)
                    + " differs from the checkpointed " + Long.toHexString(stored));
        }
        restoredChecksums = new long[] {stored == null ? restored : stored, restored};
    }

    @Override
    public void open() throws Exception {
        super.open();
        eventsIn = getMetricGroup().counter("eventsIn");
        batchSizes = getMetricGroup().histogram("batchSize", new DescriptiveStatisticsHistogram(1_000));
        trainStepMillis = getMetricGroup().histogram("trainStepMillis", new DescriptiveStatisticsHistogram(1_000));
        getMetricGroup().gauge("modelVersion", () -> trainer.modelVersion());
        getMetricGroup().gauge("itemIndexSize", () -> trainer.itemIndex().size());
        getMetricGroup().gauge("itemEvictions", () -> trainer.itemIndex().evictions());
        getMetricGroup().gauge("centresInitialised", () -> trainer.centresInitialised() ? 1 : 0);
        getMetricGroup().gauge("failedCentreInitialisations", () -> trainer.failedCentreInitialisations());
        getMetricGroup().gauge("centresFittedAtVersion", () -> trainer.centresFittedAt());
        getMetricGroup().gauge("pendingEvents", () -> batches.size());
        getMetricGroup().gauge("lossTotal", () -> lastLoss == null ? Float.NaN : lastLoss.total());
        getMetricGroup().gauge("lossNextItem", () -> lastLoss == null ? Float.NaN : lastLoss.nextItem());
        getMetricGroup().gauge("lossSequenceContrast",
                () -> lastLoss == null ? Float.NaN : lastLoss.sequenceContrast());
        getMetricGroup().gauge("lossIntentContrast", () -> lastLoss == null ? Float.NaN : lastLoss.intentContrast());
        getMetricGroup().gauge("lossCluster", () -> lastLoss == null ? Float.NaN : lastLoss.cluster());
        skippedTrainSteps = getMetricGroup().counter("skippedTrainSteps");
        trainingMetrics = new TrainingMetrics(getMetricGroup(), metricsSettings, trainer.config().clusters(),
                () -> trainer);
        trainSteps = new LongCounter();
        lossAccumulator = new LatestValueAccumulator();
        getRuntimeContext().addAccumulator(TRAIN_STEPS_ACCUMULATOR, trainSteps);
        getRuntimeContext().addAccumulator(LOSS_ACCUMULATOR, lossAccumulator);
        snapshotEncodeMillis = getMetricGroup().histogram("snapshotEncodeMillis",
                new DescriptiveStatisticsHistogram(1_000));
        snapshotsReused = getMetricGroup().counter("snapshotsReused");
        modelUpdates = getMetricGroup().counter("modelUpdatesPublished");
        shedEvents = getMetricGroup().counter("eventsNotTrainedOverload");
        getMetricGroup().gauge("restoreMillis", () -> restoreMillis);
        getMetricGroup().gauge("trainingFraction", () -> trainingSample.fraction());
        trainedEvents = new LongCounter();
        scoredOnlyEvents = new LongCounter();
        getRuntimeContext().addAccumulator(TRAINED_EVENTS_ACCUMULATOR, trainedEvents);
        getRuntimeContext().addAccumulator(SCORED_ONLY_EVENTS_ACCUMULATOR, scoredOnlyEvents);
        answerAccumulators = AnswerAccumulators.register(getRuntimeContext());
        if (restoredChecksums != null) {
            addLongAccumulator(CHECKPOINTED_MODEL_CHECKSUM_ACCUMULATOR, restoredChecksums[0]);
            addLongAccumulator(RESTORED_MODEL_CHECKSUM_ACCUMULATOR, restoredChecksums[1]);
        }
        batches.open();
        publishedAtChange = -1;
        if (stepsOnOwnThread()) {
            stepThread = Executors.newSingleThreadExecutor(runnable -> {
                Thread thread = new Thread(runnable, "intent-stream training step");
                thread.setDaemon(true);
                return thread;
            });
            mailbox = getContainingTask().getMailboxExecutorFactory().createExecutor(TaskMailbox.MIN_PRIORITY);
        }
        if (modelUpdateIntervalMillis > 0) {
            // At once: a scoring operator holds its events until it has a model.
            getProcessingTimeService().registerTimer(
                    getProcessingTimeService().getCurrentProcessingTime(), this::onModelUpdateTimer);
        }
    }

    private void onModelUpdateTimer(long time) {
        if (stepIdle()) { // during a step the model is being written; the step's end publishes if due
            publishModelIfChanged();
        }
        getProcessingTimeService().registerTimer(time + modelUpdateIntervalMillis, this::onModelUpdateTimer);
    }

    private void publishModelIfChanged() {
        if (trainer.stateChanges() != publishedAtChange) {
            publishedAtChange = trainer.stateChanges();
            publishedAtMillis = getProcessingTimeService().getCurrentProcessingTime();
            output.collect(MODEL_UPDATES, new StreamRecord<>(trainer.scoringSnapshot()));
            modelUpdates.inc();
        }
    }

    /** Steps run off the operator thread when nobody waits for this operator's answers: it publishes models. */
    private boolean stepsOnOwnThread() {
        return modelUpdateIntervalMillis > 0 && !answersEvents;
    }

    /** Hands the batch to the step thread; its end comes back to the operator thread as a mail. */
    private void startStep(List<SequenceEvent> batch, long waitNanos) {
        CompletableFuture<Void> step = CompletableFuture.runAsync(() -> {
            try {
                handleBatch(batch, waitNanos);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, stepThread);
        stepInFlight = step;
        step.whenComplete((ignored, failure) -> mailbox.execute(() -> afterStep(step), "after a training step"));
    }

    private void afterStep(CompletableFuture<Void> step) throws Exception {
        if (stepInFlight != step && stepInFlight != null) {
            return; // a checkpoint or the end of input already took this step's end, and a later step runs
        }
        awaitStep();
        if (getProcessingTimeService().getCurrentProcessingTime() - publishedAtMillis >= modelUpdateIntervalMillis) {
            publishModelIfChanged();
        }
        batches.flushIfDue(); // the events that arrived during the step
    }

    /** True when no step is running; a step that failed fails the operator here. */
    private boolean stepIdle() {
        if (stepInFlight == null) {
            return true;
        }
        if (!stepInFlight.isDone()) {
            return false;
        }
        stepInFlight.join(); // rethrows the step's failure
        stepInFlight = null;
        return true;
    }

    /** Waits for the running step, if any (before the model is read: checkpoint, end of input, close). */
    private void awaitStep() {
        if (stepInFlight != null) {
            CompletableFuture<Void> step = stepInFlight;
            stepInFlight = null;
            step.join();
        }
    }

    private void addLongAccumulator(String name, long value) {
        LongCounter accumulator = new LongCounter();
        accumulator.add(value);
        getRuntimeContext().addAccumulator(name, accumulator);
    }

    @Override
    public void processElement(StreamRecord<SequenceEvent> element) throws Exception {
        eventsIn.inc();
        if (firstEventNanos == 0) {
            firstEventNanos = System.nanoTime();
        }
        batches.add(element.getValue());
        if (stepsOnOwnThread() && batches.size() >= batchSize && !stepIdle()) {
            if (skipEventsWhenBehind) {
                // Training cannot keep up: keep the newest batch's worth for the next step rather than hold back
                // the input. The scoring operators answer these events all the same.
                shedEvents.inc(batches.dropOldestBeyond(batchSize));
            } else {
                awaitStep(); // holds back the input for the rest of the step
                batches.flushIfDue();
            }
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        batches.onWatermark(mark);
    }

    @Override
    public void endInput() throws Exception {
        awaitStep();
        batches.flush();
        awaitStep();
        addLongAccumulator(ACTIVE_NANOS_ACCUMULATOR, firstEventNanos == 0 ? 0 : System.nanoTime() - firstEventNanos);
        OnlineTrainer.EncodedSnapshot last = trainer.encodedSnapshot();
        addLongAccumulator(FINAL_MODEL_CHECKSUM_ACCUMULATOR, last.checksum());
        addLongAccumulator(FINAL_MODEL_VERSION_ACCUMULATOR, last.version());
        addLongAccumulator(FINAL_ITEM_COUNT_ACCUMULATOR, trainer.itemIndex().size());
        LOG.info("End of input: model version {} checksum {}", last.version(), Long.toHexString(last.checksum()));
        modelExchange.atEndOfInput(last::bytes, exportMetrics(), getProcessingTimeService().getCurrentProcessingTime());
        if (modelUpdateIntervalMillis > 0) {
            publishModelIfChanged();
        }
    }

    private void handleBatch(List<SequenceEvent> batch, long waitNanos) throws Exception {
        BatchTimingEvent timing = new BatchTimingEvent();
        timing.begin();
        long flushStart = System.nanoTime();

        OnlineTrainer.BatchOutcome outcome;
        PrequentialEvaluator.Result tested = PrequentialEvaluator.Result.NONE;
        long[] emitNanos = {0};
        long processStart;
        if (answersEvents) {
            Instant emitTime = Instant.ofEpochMilli(getProcessingTimeService().getCurrentProcessingTime());
            tested = trainingMetrics.beforeTraining(trainer, batch);
            answerAccumulators.addPrequential(tested);
            processStart = System.nanoTime();
            if (answerBeforeStep) {
                outcome = trainer.answerThenTrain(batch, topN, emitTime, trainingSample, answers -> {
                    long start = System.nanoTime();
                    emit(batch, answers.intents(), answers.recommendations());
                    emitNanos[0] = System.nanoTime() - start;
                });
            } else {
                outcome = trainer.process(batch, topN, emitTime, trainingSample);
            }
            scoredOnlyEvents.add((long) (batch.size() - outcome.trainingSamples()));
        } else {
            processStart = System.nanoTime();
            outcome = trainer.train(batch, trainingSample);
        }
        long processNanos = System.nanoTime() - processStart;
        trainingMetrics.afterBatch(outcome);
        trainedEvents.add((long) outcome.trainingSamples());
        answerAccumulators.addAnswered(outcome.intents().size());

        batchSizes.update(batch.size());
        if (outcome.trained()) {
            trainStepMillis.update(outcome.trainNanos() / 1_000_000);
            lastLoss = outcome.step().loss();
            trainSteps.add(1L);
            if (outcome.step().skipped()) {
                skippedTrainSteps.inc();
            }
            lossAccumulator.add((double) lastLoss.total());
        }
        if (!(answersEvents && answerBeforeStep)) {
            long emitStart = System.nanoTime();
            emit(batch, outcome.intents(), outcome.recommendations()); // all of the batch's events, or none
            emitNanos[0] = System.nanoTime() - emitStart;
        }
        if (timing.shouldCommit()) {
            timing.events = batch.size();
            timing.trainedEvents = outcome.trainingSamples();
            timing.prequentialEvents = tested.scored();
            timing.waitNanos = waitNanos;
            timing.prequentialNanos = processStart - flushStart;
            timing.stepNanos = outcome.trainNanos();
            timing.scoringNanos = processNanos - outcome.trainNanos() - (answerBeforeStep ? emitNanos[0] : 0);
            timing.emitNanos = emitNanos[0];
            timing.commit();
        }
        modelExchange.afterBatch(() -> trainer.encodedSnapshot().bytes(), exportMetrics(),
                getProcessingTimeService().getCurrentProcessingTime());
    }

    private void emit(List<SequenceEvent> batch, List<IntentAssignment> intents, List<Recommendation> recommendations) {
        emit(output, batch, intents, recommendations);
    }

    /** One intent on the main output and one recommendation on {@link #RECOMMENDATIONS} per event, at its time. */
    static void emit(Output<StreamRecord<IntentAssignment>> output, List<SequenceEvent> batch,
            List<IntentAssignment> intents, List<Recommendation> recommendations) {
        for (int i = 0; i < intents.size(); i++) {
            long timestamp = batch.get(i).eventTime;
            output.collect(new StreamRecord<>(intents.get(i), timestamp));
            output.collect(RECOMMENDATIONS, new StreamRecord<>(recommendations.get(i), timestamp));
        }
    }

    /** What an exported snapshot's manifest records about the run so far. */
    private java.util.Map<String, Double> exportMetrics() {
        return java.util.Map.of(
                "events_in", (double) eventsIn.getCount(),
                "train_steps", (double) trainSteps.getLocalValue(),
                "loss", lastLoss == null ? Double.NaN : (double) lastLoss.total());
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        awaitStep(); // the model must not change while it is copied
        SnapshotTimingEvent timing = new SnapshotTimingEvent();
        timing.begin();
        long start = System.nanoTime();
        OnlineTrainer.EncodedSnapshot encoded = trainer.encodedSnapshot();
        if (encoded.reused()) {
            snapshotsReused.inc();
        } else {
            snapshotEncodeMillis.update((System.nanoTime() - start) / 1_000_000);
        }
        modelState.update(StateChunks.split(encoded.bytes()));
        checksumState.update(List.of(encoded.checksum()));
        bufferState.update(batches.pending());
        warmUpState.update(trainer.warmUpSequences());
        centresFittedAtState.update(List.of(trainer.centresFittedAt()));
        if (timing.shouldCommit()) {
            timing.checkpointId = context.getCheckpointId();
            timing.modelVersion = encoded.version();
            timing.reused = encoded.reused();
            timing.bytes = encoded.bytes().length;
            timing.commit();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (stepThread != null) {
                try {
                    awaitStep(); // never close the model under a running step
                } finally {
                    stepThread.shutdownNow();
                    stepThread = null;
                }
            }
            if (trainer != null) {
                trainer.close();
                trainer = null;
            }
        } finally {
            super.close();
        }
    }
}
