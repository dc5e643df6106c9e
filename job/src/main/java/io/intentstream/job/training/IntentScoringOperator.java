package io.intentstream.job.training;

import io.intentstream.avro.IntentAssignment;
import io.intentstream.job.history.SequenceEvent;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Answers every interaction with the newest model its trainer published, without training: the scoring half of
 * {@code scoring.mode: separate}. Input 1 is the user-history stream ({@link SequenceEvent}s, partitioned by user
 * as the history operator left them); input 2 is the training operator's {@link IntentTrainingOperator#MODEL_UPDATES},
 * broadcast to every scoring subtask.
 *
 * <p>Events are cut into batches by the same rules as the trainer's ({@link EventBatches}), and each batch gets one
 * forward pass without gradient of the scoring copy ({@link OnlineTrainer#forScoring}): one
 * {@link IntentAssignment} per event on the main output and one recommendation per event on
 * {@link IntentTrainingOperator#RECOMMENDATIONS}, stamped with the version of the model that answered. Since a
 * training step never runs on this thread, an event waits for at most its batch's wait and one forward pass, not
 * for a step; the price is answers from a model up to {@code scoring.model-update-interval} (plus one step) old,
 * and answers that depend on when the updates arrive, so two runs over the same input may answer differently
 * (the model they train stays deterministic). The prequential evaluation and the quality metrics run here too,
 * on the model that answers.
 *
 * <p>Until the first update arrives (a job start, a restore) events wait in the buffer; the trainer publishes its
 * model as soon as it opens. Only the buffered events are state: after a restore the trainer publishes again.
 * Watermarks of the update input are ignored, so event time downstream follows the interactions alone (this
 * operator forwards input 1's watermarks itself rather than through Flink's minimum over both inputs).
 */
public final class IntentScoringOperator extends AbstractStreamOperator<IntentAssignment>
        implements TwoInputStreamOperator<SequenceEvent, byte[], IntentAssignment>, BoundedMultiInput {

    private static final long serialVersionUID = 1L;

    /** Training fraction 0: a forward pass that changes neither the scoring copy nor its item index. */
    private static final EventSample SCORE_ONLY = EventSample.training(0);

    private final int batchSize;
    private final long maxWaitMillis;
    private final long maxEventTimeSpanMillis;
    private final int topN;
    private final TrainingMetrics.Settings metricsSettings;

    private transient EventBatches batches;
    private transient ListState<SequenceEvent> bufferState;
    private transient OnlineTrainer scorer;
    private transient TrainingMetrics trainingMetrics;
    private transient AnswerAccumulators answerAccumulators;
    private transient Counter eventsIn;
    private transient Counter modelUpdates;
    private transient Histogram modelUpdateMillis;
    private transient Histogram batchSizes;
    private transient Histogram scoringMillis;

    public IntentScoringOperator(int batchSize, Duration maxWait, Duration maxEventTimeSpan, int topN,
            TrainingMetrics.Settings metricsSettings) {
        EventBatches.validate(batchSize, maxWait, maxEventTimeSpan, topN);
        this.batchSize = batchSize;
        this.maxWaitMillis = maxWait.toMillis();
        this.maxEventTimeSpanMillis = maxEventTimeSpan.toMillis();
        this.topN = topN;
        this.metricsSettings = Objects.requireNonNull(metricsSettings, "metricsSettings");
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        // Its own name: the trainer's "pending-events" live in another operator's state.
        bufferState = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>("pending-scoring-events", TypeInformation.of(SequenceEvent.class)));
        batches = new EventBatches(batchSize, maxWaitMillis, maxEventTimeSpanMillis, getProcessingTimeService(),
                this::answer, super::processWatermark, () -> scorer != null);
        if (context.isRestored()) {
            batches.restore(bufferState.get());
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        eventsIn = getMetricGroup().counter("eventsIn");
        modelUpdates = getMetricGroup().counter("modelUpdatesReceived");
        modelUpdateMillis = getMetricGroup().histogram("modelUpdateMillis", new DescriptiveStatisticsHistogram(1_000));
        batchSizes = getMetricGroup().histogram("batchSize", new DescriptiveStatisticsHistogram(1_000));
        scoringMillis = getMetricGroup().histogram("scoringMillis", new DescriptiveStatisticsHistogram(1_000));
        getMetricGroup().gauge("modelVersion", () -> scorer == null ? -1L : scorer.modelVersion());
        getMetricGroup().gauge("pendingEvents", () -> batches.size());
        answerAccumulators = AnswerAccumulators.register(getRuntimeContext());
        batches.open();
    }

    @Override
    public void processElement1(StreamRecord<SequenceEvent> element) throws Exception {
        eventsIn.inc();
        batches.add(element.getValue());
    }

    @Override
    public void processElement2(StreamRecord<byte[]> update) throws Exception {
        ModelUpdateTimingEvent timing = new ModelUpdateTimingEvent();
        timing.begin();
        long start = System.nanoTime();
        boolean first = scorer == null;
        if (first) {
            int gpu = GpuSelection.gpuIndex(getRuntimeContext().getExternalResourceInfos(GpuSelection.RESOURCE_NAME));
            scorer = OnlineTrainer.forScoring(update.getValue(), gpu);
            // The cluster count is the published model's, which an initial snapshot may set.
            trainingMetrics = new TrainingMetrics(getMetricGroup(), metricsSettings, scorer.config().clusters(),
                    () -> scorer);
        } else {
            scorer.follow(update.getValue());
        }
        modelUpdates.inc();
        modelUpdateMillis.update((System.nanoTime() - start) / 1_000_000);
        if (timing.shouldCommit()) {
            timing.modelVersion = scorer.modelVersion();
            timing.bytes = update.getValue().length;
            timing.commit();
        }
        if (first) {
            batches.flush(); // the events that waited for a model
        }
    }

    private void answer(List<SequenceEvent> batch, long waitNanos) {
        BatchTimingEvent timing = new BatchTimingEvent();
        timing.begin();
        long start = System.nanoTime();
        Instant emitTime = Instant.ofEpochMilli(getProcessingTimeService().getCurrentProcessingTime());
        PrequentialEvaluator.Result tested = trainingMetrics.beforeTraining(scorer, batch);
        answerAccumulators.addPrequential(tested);
        long scoringStart = System.nanoTime();
        OnlineTrainer.BatchOutcome outcome = scorer.process(batch, topN, emitTime, SCORE_ONLY);
        trainingMetrics.afterBatch(outcome);
        long emitStart = System.nanoTime();
        IntentTrainingOperator.emit(output, batch, outcome.intents(), outcome.recommendations());
        long end = System.nanoTime();
        answerAccumulators.addAnswered(outcome.intents().size());
        batchSizes.update(batch.size());
        scoringMillis.update((end - start) / 1_000_000);
        if (timing.shouldCommit()) {
            timing.operator = "scoring";
            timing.events = batch.size();
            timing.prequentialEvents = tested.scored();
            timing.waitNanos = waitNanos;
            timing.prequentialNanos = scoringStart - start;
            timing.scoringNanos = emitStart - scoringStart;
            timing.emitNanos = end - emitStart;
            timing.commit();
        }
    }

    @Override
    public void processWatermark1(Watermark mark) throws Exception {
        batches.onWatermark(mark);
    }

    @Override
    public void processWatermark2(Watermark mark) {
        // Model updates carry no event time of their own.
    }

    @Override
    public void endInput(int inputId) throws Exception {
        // Input 2 ends after the trainer's final update, so events that still wait for a model go out then.
        batches.flush();
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        bufferState.update(batches.pending());
    }

    @Override
    public void close() throws Exception {
        try {
            if (scorer != null) {
                scorer.close();
                scorer = null;
            }
        } finally {
            super.close();
        }
    }
}
