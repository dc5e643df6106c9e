package io.intentstream.job.training;

import org.apache.flink.api.common.accumulators.DoubleCounter;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RuntimeContext;

/**
 * The job-wide counts of answered events and of the prequential evaluation over the whole run, as accumulators:
 * whichever operator answers the events (the training operator, or the scoring operators of
 * {@code scoring.mode: separate}) adds to the same names, and Flink sums them over all subtasks.
 */
final class AnswerAccumulators {

    private final LongCounter answered = new LongCounter();
    private final LongCounter prequentialScored = new LongCounter();
    private final LongCounter prequentialHits = new LongCounter();
    private final DoubleCounter prequentialNdcgSum = new DoubleCounter();

    private AnswerAccumulators() {}

    static AnswerAccumulators register(RuntimeContext context) {
        AnswerAccumulators accumulators = new AnswerAccumulators();
        context.addAccumulator(IntentTrainingOperator.EVENTS_OUT_ACCUMULATOR, accumulators.answered);
        context.addAccumulator(IntentTrainingOperator.PREQUENTIAL_SCORED_ACCUMULATOR, accumulators.prequentialScored);
        context.addAccumulator(IntentTrainingOperator.PREQUENTIAL_HITS_ACCUMULATOR, accumulators.prequentialHits);
        context.addAccumulator(IntentTrainingOperator.PREQUENTIAL_NDCG_SUM_ACCUMULATOR,
                accumulators.prequentialNdcgSum);
        return accumulators;
    }

    void addPrequential(PrequentialEvaluator.Result tested) {
        prequentialScored.add((long) tested.scored());
        prequentialHits.add((long) tested.hits());
        prequentialNdcgSum.add(tested.ndcgSum());
    }

    void addAnswered(int events) {
        answered.add((long) events);
    }
}
