package io.intentstream.job.training;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * A scoring operator taking a model update from its trainer (decoding the snapshot and loading it in place), as a
 * Java Flight Recorder event: this time is spent on the scoring thread, between batches.
 */
@Name("io.intentstream.ModelUpdate")
@Label("Model update")
@Category({"intent-stream", "Scoring operator"})
@Description("A scoring operator loads the model its trainer published")
final class ModelUpdateTimingEvent extends jdk.jfr.Event {

    @Label("Model version")
    long modelVersion;

    @Label("Size")
    @DataAmount
    long bytes;
}
