package io.intentstream.job.training;

import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.job.history.SequenceEvent;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.LossParts;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
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
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Trains the ELCRec model online and scores every interaction with it: the single place where the model lives.
 *
 * <p>Buffers {@link SequenceEvent}s and hands a batch to the {@link OnlineTrainer} when it reaches the batch size,
 * when its oldest event has waited {@code maxWait} (processing-time timer), or at the end of a bounded input. Each
 * batch yields one {@link IntentAssignment} per event on the main output and one {@link Recommendation} per event
 * on {@link #RECOMMENDATIONS}, both stamped with the event's own time. Watermarks are held back while events are
 * buffered, so that downstream event time never passes an event that has not been emitted yet.
 *
 * <p>Runs with parallelism 1 (one model). Everything needed to continue after a failure is operator state: the
 * model snapshot (parameters, Adam moments, step, RNG, version, item index), the buffered events, and the centre
 * warm-up sequences. {@link #initializeState} restores them before any model is created, so a restored job never
 * trains a fresh model first. A training step blocks this thread; the job uses unaligned checkpoints.
 */
public final class IntentTrainingOperator extends AbstractStreamOperator<IntentAssignment>
        implements OneInputStreamOperator<SequenceEvent, IntentAssignment>, BoundedOneInput {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<Recommendation> RECOMMENDATIONS =
            new OutputTag<>("recommendations", new AvroTypeInfo<>(Recommendation.class));

    public static final String TRAIN_STEPS_ACCUMULATOR = "intent-stream.train-steps";
    public static final String LOSS_ACCUMULATOR = "intent-stream.loss";

    private final ElcRecConfig modelConfig;
    private final int batchSize;
    private final long maxWaitMillis;
    private final int topN;
    private final int warmUpSize;

    private transient OnlineTrainer trainer;
    private transient List<SequenceEvent> buffer;
    /** Processing time by which the current buffer must be flushed; Long.MAX_VALUE when the buffer is empty. */
    private transient long flushDeadline;
    private transient Watermark heldWatermark;

    private transient ListState<byte[]> modelState;
    private transient ListState<SequenceEvent> bufferState;
    private transient ListState<int[]> warmUpState;

    private transient Counter eventsIn;
    private transient Histogram batchSizes;
    private transient Histogram trainStepMillis;
    private transient volatile LossParts lastLoss;
    private transient LongCounter trainSteps;
    /** Steps the model dropped because their loss or a gradient was not finite (parameters left unchanged). */
    private transient Counter skippedTrainSteps;
    private transient LatestValueAccumulator lossAccumulator;

    public IntentTrainingOperator(ElcRecConfig modelConfig, int batchSize, Duration maxWait, int topN, int warmUpSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        if (maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("maxWait must be positive, got " + maxWait);
        }
        if (topN < 1) {
            throw new IllegalArgumentException("topN must be at least 1, got " + topN);
        }
        if (warmUpSize < modelConfig.clusters()) {
            throw new IllegalArgumentException(
                    "warmUpSize (" + warmUpSize + ") must be at least k (" + modelConfig.clusters() + ")");
        }
        this.modelConfig = modelConfig;
        this.batchSize = batchSize;
        this.maxWaitMillis = maxWait.toMillis();
        this.topN = topN;
        this.warmUpSize = warmUpSize;
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

        buffer = new ArrayList<>(batchSize);
        flushDeadline = Long.MAX_VALUE;
        byte[] snapshot = null;
        if (context.isRestored()) {
            for (byte[] stored : modelState.get()) {
                snapshot = stored;
            }
            for (SequenceEvent event : bufferState.get()) {
                buffer.add(event);
            }
        }
        if (snapshot != null) {
            List<int[]> warmUp = new ArrayList<>();
            warmUpState.get().forEach(warmUp::add);
            trainer = OnlineTrainer.restore(snapshot, warmUp, warmUpSize);
            if (!trainer.config().equals(modelConfig)) {
                LOG.warn("Restored model keeps its own configuration {}; the configured one {} is ignored until "
                        + "the job starts without state", trainer.config(), modelConfig);
            }
            LOG.info("Restored model version {} with {} items and {} buffered events", trainer.modelVersion(),
                    trainer.itemIndex().size(), buffer.size());
        } else {
            trainer = OnlineTrainer.create(modelConfig, warmUpSize);
        }
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
        getMetricGroup().gauge("pendingEvents", () -> buffer.size());
        getMetricGroup().gauge("lossTotal", () -> lastLoss == null ? Float.NaN : lastLoss.total());
        getMetricGroup().gauge("lossNextItem", () -> lastLoss == null ? Float.NaN : lastLoss.nextItem());
        getMetricGroup().gauge("lossSequenceContrast",
                () -> lastLoss == null ? Float.NaN : lastLoss.sequenceContrast());
        getMetricGroup().gauge("lossIntentContrast", () -> lastLoss == null ? Float.NaN : lastLoss.intentContrast());
        getMetricGroup().gauge("lossCluster", () -> lastLoss == null ? Float.NaN : lastLoss.cluster());
        skippedTrainSteps = getMetricGroup().counter("skippedTrainSteps");
        trainSteps = new LongCounter();
        lossAccumulator = new LatestValueAccumulator();
        getRuntimeContext().addAccumulator(TRAIN_STEPS_ACCUMULATOR, trainSteps);
        getRuntimeContext().addAccumulator(LOSS_ACCUMULATOR, lossAccumulator);
        if (!buffer.isEmpty()) {
            // Restored events get a fresh wait: the time they waited before the failure is not known here.
            scheduleFlush(getProcessingTimeService().getCurrentProcessingTime());
        }
    }

    @Override
    public void processElement(StreamRecord<SequenceEvent> element) throws Exception {
        eventsIn.inc();
        if (buffer.isEmpty()) {
            scheduleFlush(getProcessingTimeService().getCurrentProcessingTime());
        }
        buffer.add(element.getValue());
        if (buffer.size() >= batchSize) {
            flush();
        }
    }

    private void scheduleFlush(long now) {
        flushDeadline = now + maxWaitMillis;
        getProcessingTimeService().registerTimer(flushDeadline, this::onFlushTimer);
    }

    private void onFlushTimer(long time) throws Exception {
        // A timer of a buffer that was already flushed by size finds a later (or no) deadline and does nothing.
        if (!buffer.isEmpty() && time >= flushDeadline) {
            flush();
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (buffer.isEmpty()) {
            super.processWatermark(mark);
        } else {
            heldWatermark = mark;
        }
    }

    @Override
    public void endInput() throws Exception {
        flush();
    }

    private void flush() throws Exception {
        if (buffer.isEmpty()) {
            return;
        }
        List<SequenceEvent> batch = buffer;
        buffer = new ArrayList<>(batchSize);
        flushDeadline = Long.MAX_VALUE;

        Instant emitTime = Instant.ofEpochMilli(getProcessingTimeService().getCurrentProcessingTime());
        OnlineTrainer.BatchOutcome outcome = trainer.process(batch, topN, emitTime);

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
        for (int i = 0; i < batch.size(); i++) {
            long timestamp = batch.get(i).eventTime;
            output.collect(new StreamRecord<>(outcome.intents().get(i), timestamp));
            output.collect(RECOMMENDATIONS, new StreamRecord<>(outcome.recommendations().get(i), timestamp));
        }
        if (heldWatermark != null) {
            Watermark release = heldWatermark;
            heldWatermark = null;
            super.processWatermark(release);
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        modelState.update(List.of(trainer.snapshot()));
        bufferState.update(buffer);
        warmUpState.update(trainer.warmUpSequences());
    }

    @Override
    public void close() throws Exception {
        try {
            if (trainer != null) {
                trainer.close();
                trainer = null;
            }
        } finally {
            super.close();
        }
    }
}
