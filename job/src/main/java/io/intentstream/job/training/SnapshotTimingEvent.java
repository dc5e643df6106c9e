package io.intentstream.job.training;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * The training operator's synchronous part of a checkpoint (its duration is the time the operator thread spent in
 * {@code snapshotState}) as a Java Flight Recorder event; see {@link BatchTimingEvent}.
 */
@Name("io.intentstream.Snapshot")
@Label("Intent model snapshot")
@Category({"intent-stream", "Training operator"})
@Description("The operator thread's part of a checkpoint of the model")
final class SnapshotTimingEvent extends Event {

    @Label("Checkpoint id")
    long checkpointId;

    @Label("Model version")
    long modelVersion;

    @Label("Reused")
    @Description("Nothing changed since the previous snapshot: its copy was taken again")
    boolean reused;

    @Label("Model state")
    @DataAmount
    long bytes;
}
