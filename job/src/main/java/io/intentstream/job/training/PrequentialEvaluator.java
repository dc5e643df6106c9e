package io.intentstream.job.training;

import io.intentstream.job.history.SequenceEvent;
import io.intentstream.model.ElcRecModel;
import io.intentstream.model.Scores;
import io.intentstream.model.SequenceWindows;
import io.intentstream.model.catalog.ItemFingerprint;
import io.intentstream.model.catalog.ItemIndex;

import java.util.ArrayList;
import java.util.List;

/**
 * Prequential (test-then-train) evaluation: before a batch is trained on, the current model ranks the next item
 * for each event's history, exactly as it would have recommended at that moment, and the event's actual item is
 * looked up in that top-K. Every scored event is one honest held-out test, since the model has never trained on
 * it.
 *
 * <p>Ranking follows the job's recommendations: candidates are the live item rows minus the history's own items.
 * An event whose item is not yet in the item index (a cold item), or that repeats an item of its own history,
 * counts as a miss: the job could not have recommended it either. Events without a history are not scored (there
 * is nothing to predict from). A deterministic share of events ({@code sampleFraction}, chosen by a hash of the
 * event id, so replays and restarts score the same events) bounds the cost: one inference pass over the sampled
 * histories per batch.
 */
public final class PrequentialEvaluator {

    /** What one batch's evaluation found. */
    public record Result(int scored, int hits, double ndcgSum, int coldItems, long nanos) {
        static final Result NONE = new Result(0, 0, 0, 0, 0);
    }

    private final int k;
    private final double sampleFraction;
    private final EventSample sample;

    /**
     * @param k the cut-off (10 for HR@10 / NDCG@10)
     * @param sampleFraction share of events scored, in [0, 1]; 0 turns the evaluation off
     */
    public PrequentialEvaluator(int k, double sampleFraction) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (!(sampleFraction >= 0 && sampleFraction <= 1)) {
            throw new IllegalArgumentException("sampleFraction must be in [0, 1], got " + sampleFraction);
        }
        this.k = k;
        this.sampleFraction = sampleFraction;
        this.sample = new EventSample(sampleFraction, EventSample.PREQUENTIAL_SALT);
    }

    /** Scores the sampled events of {@code batch} with the trainer's current model; call before training on it. */
    public Result evaluate(OnlineTrainer trainer, List<SequenceEvent> batch) {
        return evaluate(trainer.model(), trainer.itemIndex(), batch);
    }

    Result evaluate(ElcRecModel model, ItemIndex index, List<SequenceEvent> batch) {
        if (sampleFraction == 0 || index.liveRows() == 0) {
            return Result.NONE;
        }
        long start = System.nanoTime();
        int maxLength = model.config().maxSequenceLength();
        List<int[]> inputs = new ArrayList<>();
        List<Integer> targets = new ArrayList<>();
        for (SequenceEvent event : batch) {
            if (!sampled(event.eventId)) {
                continue;
            }
            int[] history = rows(index, event.history, maxLength);
            if (history.length == 0) {
                continue;
            }
            inputs.add(SequenceWindows.leftPad(history, maxLength));
            targets.add(index.rowOf(ItemFingerprint.of(event.itemId)));
        }
        if (inputs.isEmpty()) {
            return Result.NONE;
        }
        int liveRows = index.liveRows();
        Scores scores = model.score(inputs.toArray(new int[0][]), Math.min(k, liveRows), liveRows);
        int hits = 0;
        int cold = 0;
        double ndcg = 0;
        for (int i = 0; i < inputs.size(); i++) {
            int target = targets.get(i);
            if (target == 0) {
                cold++;
                continue;
            }
            int[] top = scores.topItems()[i];
            for (int rank = 0; rank < top.length; rank++) {
                if (top[rank] == target) {
                    hits++;
                    // One relevant item: the ideal DCG is 1, so NDCG is the discounted gain at its rank.
                    ndcg += 1.0 / (Math.log(rank + 2) / Math.log(2));
                    break;
                }
            }
        }
        return new Result(inputs.size(), hits, ndcg, cold, System.nanoTime() - start);
    }

    /** The last T items of a history that still have an embedding row (evicted items are dropped). */
    private static int[] rows(ItemIndex index, long[] fingerprints, int maxLength) {
        int[] rows = new int[Math.min(fingerprints.length, maxLength)];
        int kept = 0;
        for (int h = Math.max(0, fingerprints.length - maxLength); h < fingerprints.length; h++) {
            int row = index.rowOf(fingerprints[h]);
            if (row != 0) {
                rows[kept++] = row;
            }
        }
        return kept == rows.length ? rows : java.util.Arrays.copyOf(rows, kept);
    }

    boolean sampled(String eventId) {
        return sample.chooses(eventId);
    }
}
