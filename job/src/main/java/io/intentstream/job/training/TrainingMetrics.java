package io.intentstream.job.training;

import io.intentstream.avro.IntentAssignment;
import io.intentstream.job.config.IntentStreamOptions;
import io.intentstream.job.history.SequenceEvent;
import io.intentstream.job.metrics.AssignmentOccupancy;
import io.intentstream.job.metrics.SlidingMean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

import java.io.Serializable;
import java.util.List;
import java.util.function.Supplier;

/**
 * The training operator's health and quality metrics beyond the per-step basics it registers itself: outputs,
 * training throughput, item-table occupancy, cluster occupancy of the recent assignments, and the prequential
 * HR@10 / NDCG@10 moving averages. docs/operations.md explains each one and the alerts to set on it.
 *
 * <p>Call {@link #beforeTraining} with a batch before the trainer processes it and {@link #afterBatch} with the
 * outcome; both run on the operator thread, gauges are read by the reporter thread.
 */
public final class TrainingMetrics {

    /** HR and NDCG are reported at this cut-off. */
    public static final int PREQUENTIAL_K = 10;

    /** How much the metrics may cost and how far back their moving windows reach. */
    public record Settings(double prequentialSampleFraction, int prequentialWindow, int occupancyWindow)
            implements Serializable {

        public static final Settings DEFAULTS = new Settings(1.0, 2_000, 10_000);

        /** The settings of {@link IntentStreamOptions} (validated there). */
        public static Settings from(Configuration options) {
            return new Settings(options.get(IntentStreamOptions.PREQUENTIAL_SAMPLE_FRACTION),
                    options.get(IntentStreamOptions.PREQUENTIAL_WINDOW),
                    options.get(IntentStreamOptions.OCCUPANCY_WINDOW));
        }

        public Settings {
            if (!(prequentialSampleFraction >= 0 && prequentialSampleFraction <= 1)) {
                throw new IllegalArgumentException(
                        "prequentialSampleFraction must be in [0, 1], got " + prequentialSampleFraction);
            }
            if (prequentialWindow < 1 || occupancyWindow < 1) {
                throw new IllegalArgumentException("windows must be at least 1, got " + prequentialWindow + " and "
                        + occupancyWindow);
            }
        }
    }

    private final PrequentialEvaluator prequential;
    private final SlidingMean hitRate;
    private final SlidingMean ndcg;
    private final AssignmentOccupancy occupancy;

    private final Counter eventsOut;
    private final Counter trainingSamples;
    private final Counter eventsScoredOnly;
    private final Counter prequentialScored;
    private final Counter prequentialColdItems;
    private final Histogram prequentialMillis;

    public TrainingMetrics(MetricGroup group, Settings settings, int clusters, Supplier<OnlineTrainer> trainer) {
        prequential = new PrequentialEvaluator(PREQUENTIAL_K, settings.prequentialSampleFraction());
        hitRate = new SlidingMean(settings.prequentialWindow());
        ndcg = new SlidingMean(settings.prequentialWindow());
        occupancy = new AssignmentOccupancy(clusters, settings.occupancyWindow());

        eventsOut = group.counter("eventsOut");
        trainingSamples = group.counter("trainingSamples");
        group.meter("trainingSamplesPerSecond", new MeterView(trainingSamples));
        // The other side of trainingSamples: events answered by the forward pass alone (training.fraction, or
        // nothing to train on yet).
        eventsScoredOnly = group.counter("eventsScoredOnly");
        group.gauge("itemIndexOccupancy", () -> {
            var index = trainer.get().itemIndex();
            return (double) index.size() / index.capacity();
        });
        group.gauge("nonEmptyClusters", occupancy::nonEmptyClusters);
        group.gauge("assignmentEntropyBits", occupancy::entropyBits);
        group.gauge("assignmentEntropyNormalised", occupancy::normalisedEntropy);
        group.gauge("prequentialHitRate10", hitRate::mean);
        group.gauge("prequentialNdcg10", ndcg::mean);
        prequentialScored = group.counter("prequentialScored");
        prequentialColdItems = group.counter("prequentialColdItems");
        prequentialMillis = group.histogram("prequentialMillis", new DescriptiveStatisticsHistogram(1_000));
    }

    /** Scores the batch with the model as it is before the batch trains it (test, then train). */
    public PrequentialEvaluator.Result beforeTraining(OnlineTrainer trainer, List<SequenceEvent> batch) {
        PrequentialEvaluator.Result result = prequential.evaluate(trainer, batch);
        if (result.scored() > 0) {
            // Per event, not per batch: a batch of 3 must not weigh as much as one of 256.
            for (int i = 0; i < result.scored(); i++) {
                boolean hit = i < result.hits();
                hitRate.add(hit ? 1 : 0);
            }
            addNdcg(result);
            prequentialScored.inc(result.scored());
            prequentialColdItems.inc(result.coldItems());
            prequentialMillis.update(result.nanos() / 1_000_000);
        }
        return result;
    }

    private void addNdcg(PrequentialEvaluator.Result result) {
        // The batch's NDCG sum spread evenly over its scored events keeps the window's mean exact per event.
        double perEvent = result.ndcgSum() / result.scored();
        for (int i = 0; i < result.scored(); i++) {
            ndcg.add(perEvent);
        }
    }

    public void afterBatch(OnlineTrainer.BatchOutcome outcome) {
        List<IntentAssignment> intents = outcome.intents();
        eventsOut.inc(intents.size());
        trainingSamples.inc(outcome.trainingSamples());
        if (!intents.isEmpty()) { // a train-only batch answers no event, so none is answered by scoring alone
            eventsScoredOnly.inc(intents.size() - outcome.trainingSamples());
        }
        int[] clusters = new int[intents.size()];
        for (int i = 0; i < clusters.length; i++) {
            clusters[i] = intents.get(i).getClusterId();
        }
        occupancy.addAll(clusters);
    }

    /** The current moving averages, for tests and logs. */
    public double hitRate() {
        return hitRate.mean();
    }

    public double ndcg() {
        return ndcg.mean();
    }

    public AssignmentOccupancy occupancy() {
        return occupancy;
    }
}
