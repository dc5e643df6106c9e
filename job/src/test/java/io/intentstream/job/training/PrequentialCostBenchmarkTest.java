package io.intentstream.job.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.intentstream.job.history.SequenceEvent;
import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.catalog.ItemFingerprint;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What the prequential pass costs next to the batch it precedes, at a production-like size (beauty preset,
 * 16 384 item rows, d 64, T 50, batch 256, random users and items). Opt-in, it takes a minute:
 * {@code mvn -pl job test -Dtest=PrequentialCostBenchmarkTest -Dintent-stream.benchmark=true}.
 */
@EnabledIfSystemProperty(named = "intent-stream.benchmark", matches = "true")
class PrequentialCostBenchmarkTest {

    private static final int BATCH = 256;
    private static final int T = 50;
    private static final int WARM_UP_BATCHES = 10;
    private static final int MEASURED_BATCHES = 20;

    @Test
    void scoringEveryEventBeforeTrainingCostsAFractionOfTheBatchItPrecedes() {
        ElcRecConfig config = ElcRecConfig.preset("beauty", 16_384).toBuilder()
                .maxSequenceLength(T).hiddenSize(64).clusters(64).device(Device.CPU).build();
        Random random = new Random(1);
        Map<String, Deque<Long>> histories = new HashMap<>();
        PrequentialEvaluator everyEvent = new PrequentialEvaluator(10, 1.0);
        long prequentialNanos = 0;
        long processNanos = 0;
        int eventId = 0;
        try (OnlineTrainer trainer = OnlineTrainer.create(config, 1024)) {
            for (int b = 0; b < WARM_UP_BATCHES + MEASURED_BATCHES; b++) {
                List<SequenceEvent> batch = new ArrayList<>(BATCH);
                for (int i = 0; i < BATCH; i++) {
                    String user = "u" + random.nextInt(2_000);
                    String item = "i" + random.nextInt(12_000);
                    Deque<Long> history = histories.computeIfAbsent(user, u -> new ArrayDeque<>());
                    batch.add(new SequenceEvent("e" + eventId++, user, item, eventId,
                            history.stream().mapToLong(Long::longValue).toArray()));
                    history.addLast(ItemFingerprint.of(item));
                    if (history.size() > T) {
                        history.removeFirst();
                    }
                }
                long start = System.nanoTime();
                everyEvent.evaluate(trainer, batch);
                long scored = System.nanoTime();
                trainer.process(batch, 20, Instant.EPOCH);
                long processed = System.nanoTime();
                if (b >= WARM_UP_BATCHES) {
                    prequentialNanos += scored - start;
                    processNanos += processed - scored;
                }
            }
        }
        double prequentialMillis = prequentialNanos / 1e6 / MEASURED_BATCHES;
        double processMillis = processNanos / 1e6 / MEASURED_BATCHES;
        System.out.printf("batch %d: prequential pass (every event) %.1f ms, train step + scoring %.1f ms, +%.0f%%%n",
                BATCH, prequentialMillis, processMillis, 100 * prequentialMillis / processMillis);
        assertThat(prequentialMillis / processMillis).isLessThan(0.25);
    }
}
