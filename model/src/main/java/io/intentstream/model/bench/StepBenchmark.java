package io.intentstream.model.bench;

import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.ElcRecModel;
import io.intentstream.model.SequenceBatch;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * Times the model step alone, without Flink or Kafka: {@link StepMode#INFERENCE}, {@link StepMode#NEXT_ITEM} and
 * {@link StepMode#FULL} on batches shaped like the streaming job's (full T-long windows of random item rows, the
 * next item as the target at the last position only, as the online trainer trains).
 *
 * <p>Inputs are dense tensors whatever their padding, so random full windows cost what real ones do. The centres
 * are fitted by the model's own k-means before timing, as in the job after its warm-up.
 */
public final class StepBenchmark {

    /** Top-N items per scored sequence, the job's default. */
    public static final int TOP_N = 10;

    /** Distinct batches cycled through, so that no step sees the previous one's exact input. */
    private static final int DISTINCT_BATCHES = 4;

    /**
     * @param config the model (its item count is the number of live items)
     * @param batch sequences per step
     * @param warmUpSteps steps run before timing (allocator and thread pool warm-up)
     * @param minSteps steps timed at least
     * @param budget no further step is started after this long once {@code minSteps} are timed
     */
    public record Settings(ElcRecConfig config, int batch, int warmUpSteps, int minSteps, Duration budget) {
        public Settings {
            if (batch < 1 || warmUpSteps < 0 || minSteps < 1) {
                throw new IllegalArgumentException("batch and minSteps must be positive and warmUpSteps not "
                        + "negative, got " + batch + ", " + minSteps + ", " + warmUpSteps);
            }
            if (budget.isNegative()) {
                throw new IllegalArgumentException("budget must not be negative, got " + budget);
            }
        }
    }

    /** Items of the Amazon Beauty benchmark after the usual 5-core filtering. */
    public static final int BEAUTY_ITEMS = 12_101;

    /**
     * The {@code beauty} preset at Beauty's shapes: 12,101 items, the preset's T (20), d 64, two layers, k 256, on the
     * CPU.
     */
    public static ElcRecConfig beautyConfig() {
        return ElcRecConfig.preset("beauty", BEAUTY_ITEMS).toBuilder().device(Device.CPU).build();
    }

    /** One mode's timings and the throughput they give. */
    public record Result(StepMode mode, int batch, Timings timings) {
        public double sequencesPerSecond() {
            return batch / timings.medianSeconds();
        }

        public double gflops() {
            return timings.gflops();
        }
    }

    private StepBenchmark() {}

    public static Result measure(StepMode mode, Settings settings) {
        ElcRecConfig config = switch (mode) {
            case NEXT_ITEM -> settings.config().toBuilder().contrastEnabled(false).clusterLossEnabled(false).build();
            case INFERENCE, FULL -> settings.config();
        };
        int batch = settings.batch();
        int items = config.itemCount();
        SplittableRandom random = new SplittableRandom(config.seed());
        SequenceBatch[] batches = new SequenceBatch[DISTINCT_BATCHES];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = randomBatch(random, batch, config.maxSequenceLength(), items);
        }
        double flops = switch (mode) {
            case INFERENCE -> StepFlops.inference(config, batch, items);
            case NEXT_ITEM -> StepFlops.nextItemStep(config, batch, batch);
            case FULL -> StepFlops.fullStep(config, batch, batch);
        };
        try (ElcRecModel model = ElcRecModel.create(config)) {
            if (mode != StepMode.NEXT_ITEM) {
                model.initialiseCentres(randomBatch(random, Math.max(2 * config.clusters(), batch),
                        config.maxSequenceLength(), items).inputs());
            }
            for (int i = 0; i < settings.warmUpSteps(); i++) {
                run(model, mode, batches[i % batches.length]);
            }
            Timings.Recorder recorder = new Timings.Recorder(flops);
            long deadline = System.nanoTime() + settings.budget().toNanos();
            while (recorder.count() < settings.minSteps() || System.nanoTime() < deadline) {
                SequenceBatch next = batches[recorder.count() % batches.length];
                long start = System.nanoTime();
                run(model, mode, next);
                recorder.add(System.nanoTime() - start);
            }
            return new Result(mode, batch, recorder.timings());
        }
    }

    private static void run(ElcRecModel model, StepMode mode, SequenceBatch batch) {
        switch (mode) {
            case INFERENCE -> model.score(batch.inputs(), TOP_N, batch.liveItemRows());
            case NEXT_ITEM, FULL -> {
                if (model.trainStep(batch).skipped()) {
                    throw new IllegalStateException("a benchmark step was skipped (non-finite loss or gradient)");
                }
            }
        }
    }

    /** Full windows of uniformly random item rows; the target of the last position is another random item. */
    static SequenceBatch randomBatch(SplittableRandom random, int size, int length, int items) {
        int[][] inputs = new int[size][length];
        int[][] targets = new int[size][length];
        for (int b = 0; b < size; b++) {
            for (int t = 0; t < length; t++) {
                inputs[b][t] = 1 + random.nextInt(items);
            }
            targets[b][length - 1] = 1 + random.nextInt(items);
        }
        return new SequenceBatch(inputs, targets, items);
    }
}
