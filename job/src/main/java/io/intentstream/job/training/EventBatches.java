package io.intentstream.job.training;

import io.intentstream.job.history.SequenceEvent;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Cuts a stream of {@link SequenceEvent}s into batches for an operator that works on batches (the training
 * operator, the scoring operator), by the rules both share: a batch closes when it reaches the batch size, before
 * an event whose event time is {@code maxEventTimeSpan} or more after the batch's first event, when the watermark
 * passes the first event's time plus that span, when its first event has waited {@code maxWait} (a processing-time
 * timer), or on an explicit {@link #flush()} (end of input). Watermarks are held back while events are buffered,
 * so downstream event time never passes an event that has not been emitted yet.
 *
 * <p>Runs on the operator's thread only; the operator checkpoints {@link #pending()} and hands them back to
 * {@link #restore} after a failure.
 */
final class EventBatches {

    /** What the owning operator does with a closed batch. */
    @FunctionalInterface
    interface BatchHandler {
        /**
         * @param batch the events, in arrival order
         * @param waitNanos how long the batch's first event waited in the buffer
         */
        void handle(List<SequenceEvent> batch, long waitNanos) throws Exception;
    }

    /** Forwards a watermark downstream (the operator's {@code super.processWatermark}). */
    @FunctionalInterface
    interface WatermarkForwarder {
        void forward(Watermark watermark) throws Exception;
    }

    private final int batchSize;
    private final long maxWaitMillis;
    private final long maxEventTimeSpanMillis;
    private final ProcessingTimeService time;
    private final BatchHandler handler;
    private final WatermarkForwarder forwarder;
    /** False while the operator cannot handle a batch yet (a scoring operator without a model): events wait. */
    private final BooleanSupplier ready;

    private List<SequenceEvent> buffer;
    /** Processing time by which the current buffer must be flushed; Long.MAX_VALUE when the buffer is empty. */
    private long flushDeadline = Long.MAX_VALUE;
    /** System.nanoTime() when the current buffer's first event arrived (for the batch's wait time). */
    private long bufferStartNanos;
    private Watermark heldWatermark;

    /**
     * Checks the settings an answering or training operator batches by, when the operator is built (the batches
     * themselves are made on the TaskManager).
     *
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    static void validate(int batchSize, Duration maxWait, Duration maxEventTimeSpan, int topN) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        if (maxWait.isNegative() || maxWait.isZero()) {
            throw new IllegalArgumentException("maxWait must be positive, got " + maxWait);
        }
        if (maxEventTimeSpan.isNegative() || maxEventTimeSpan.isZero()) {
            throw new IllegalArgumentException("maxEventTimeSpan must be positive, got " + maxEventTimeSpan);
        }
        if (topN < 1) {
            throw new IllegalArgumentException("topN must be at least 1, got " + topN);
        }
    }

    EventBatches(int batchSize, long maxWaitMillis, long maxEventTimeSpanMillis, ProcessingTimeService time,
            BatchHandler handler, WatermarkForwarder forwarder, BooleanSupplier ready) {
        this.batchSize = batchSize;
        this.maxWaitMillis = maxWaitMillis;
        this.maxEventTimeSpanMillis = maxEventTimeSpanMillis;
        this.time = time;
        this.handler = handler;
        this.forwarder = forwarder;
        this.ready = ready;
        this.buffer = new ArrayList<>(batchSize);
    }

    /** Puts back the events of a checkpoint ({@link #pending()}); call before the operator opens. */
    void restore(Iterable<SequenceEvent> events) {
        events.forEach(buffer::add);
    }

    /** Starts the wait of restored events; they get a fresh one, the time they waited before is not known here. */
    void open() {
        if (!buffer.isEmpty()) {
            bufferStartNanos = System.nanoTime();
            scheduleFlush();
        }
    }

    void add(SequenceEvent event) throws Exception {
        if (!buffer.isEmpty() && event.eventTime - buffer.get(0).eventTime >= maxEventTimeSpanMillis) {
            flush();
        }
        if (buffer.isEmpty()) {
            bufferStartNanos = System.nanoTime();
            scheduleFlush();
        }
        buffer.add(event);
        if (buffer.size() >= batchSize) {
            flush();
        }
    }

    void onWatermark(Watermark mark) throws Exception {
        if (!buffer.isEmpty() && mark.getTimestamp() - maxEventTimeSpanMillis >= buffer.get(0).eventTime) {
            flush();
        }
        if (buffer.isEmpty()) {
            forwarder.forward(mark);
        } else {
            heldWatermark = mark;
        }
    }

    /**
     * {@link #flush()} if the buffer is full or its wait is over: for an operator that became ready again after
     * events arrived while it was not (a batch's rules were due, but could not act then).
     */
    void flushIfDue() throws Exception {
        if (buffer.size() >= batchSize || time.getCurrentProcessingTime() >= flushDeadline) {
            flush();
        }
    }

    /** Hands the buffered events to the handler as one batch (if any, and if the operator is ready). */
    void flush() throws Exception {
        if (buffer.isEmpty() || !ready.getAsBoolean()) {
            return;
        }
        List<SequenceEvent> batch = buffer;
        buffer = new ArrayList<>(batchSize);
        flushDeadline = Long.MAX_VALUE;
        handler.handle(batch, System.nanoTime() - bufferStartNanos);
        if (heldWatermark != null) {
            Watermark release = heldWatermark;
            heldWatermark = null;
            forwarder.forward(release);
        }
    }

    /**
     * Drops the oldest buffered events beyond {@code keep}, for an operator that cannot keep up and would rather
     * leave events out than hold back its input.
     *
     * @return how many were dropped
     */
    int dropOldestBeyond(int keep) {
        int drop = buffer.size() - keep;
        if (drop <= 0) {
            return 0;
        }
        buffer.subList(0, drop).clear();
        // The wait is the new first event's; it arrived no earlier than the dropped ones.
        return drop;
    }

    /** The buffered events, for the operator's checkpoint. */
    List<SequenceEvent> pending() {
        return buffer;
    }

    int size() {
        return buffer.size();
    }

    private void scheduleFlush() {
        flushDeadline = time.getCurrentProcessingTime() + maxWaitMillis;
        time.registerTimer(flushDeadline, this::onFlushTimer);
    }

    private void onFlushTimer(long timestamp) throws Exception {
        // A timer of a buffer that was already flushed by size finds a later (or no) deadline and does nothing.
        if (!buffer.isEmpty() && timestamp >= flushDeadline) {
            flush();
        }
    }
}
