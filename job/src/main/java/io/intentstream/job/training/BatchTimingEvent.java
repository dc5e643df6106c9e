package io.intentstream.job.training;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * One batch of the training operator (or of a scoring operator) as a Java Flight Recorder event: where an event's
 * time inside the operator goes (waiting for the batch to close, the prequential pass, the training step, the
 * scoring pass, handing the outputs on). Costs nothing unless a recording is running ({@code -XX:StartFlightRecording}); read it with
 * {@code jfr print --events io.intentstream.Batch FILE}.
 */
@Name("io.intentstream.Batch")
@Label("Intent batch")
@Category({"intent-stream", "Training operator"})
@Description("One batch of the training operator, split into its parts")
final class BatchTimingEvent extends Event {

    @Label("Operator")
    @Description("training, or scoring for a scoring operator's batch (scoring.mode SEPARATE)")
    String operator = "training";

    @Label("Events")
    int events;

    @Label("Trained events")
    int trainedEvents;

    @Label("Prequentially scored events")
    int prequentialEvents;

    @Label("Wait")
    @Description("From the batch's first event entering the buffer to the batch's flush")
    @Timespan(Timespan.NANOSECONDS)
    long waitNanos;

    @Label("Prequential pass")
    @Timespan(Timespan.NANOSECONDS)
    long prequentialNanos;

    @Label("Training step")
    @Timespan(Timespan.NANOSECONDS)
    long stepNanos;

    @Label("Scoring and output records")
    @Description("The trainer's work on the batch other than the step: item index, scoring pass, output records")
    @Timespan(Timespan.NANOSECONDS)
    long scoringNanos;

    @Label("Emit")
    @Description("Handing the outputs to the chained sinks")
    @Timespan(Timespan.NANOSECONDS)
    long emitNanos;
}
