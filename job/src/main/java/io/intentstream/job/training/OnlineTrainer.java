package io.intentstream.job.training;

import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;
import io.intentstream.avro.ScoredItem;
import io.intentstream.job.history.SequenceEvent;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.ElcRecModel;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.Scores;
import io.intentstream.model.SequenceBatch;
import io.intentstream.model.SequenceWindows;
import io.intentstream.model.TrainStepResult;
import io.intentstream.model.catalog.ItemFingerprint;
import io.intentstream.model.catalog.ItemIndex;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The streaming use of one {@link ElcRecModel}: turns a batch of {@link SequenceEvent}s into one training step
 * and one scoring pass. Plain Java (no Flink), owned by {@link IntentTrainingOperator}, which checkpoints
 * {@link #snapshot()} and {@link #warmUpSequences()}.
 *
 * <p>Per batch, in this order:
 * <ol>
 *   <li>every event's current item gets its embedding row from the {@link ItemIndex} (new items get a free row,
 *       or the least recently seen item's row when the table is full); then histories are mapped from
 *       fingerprints to rows, dropping items that have been evicted since;</li>
 *   <li>centre warm-up: until the centres are initialised, each event's window (history + current item, last T)
 *       is collected; once {@code warmUpSize} windows are there, k-means on their embeddings sets the centres,
 *       once. The reference runs k-means over the whole training set before training; a stream has no whole
 *       set, so this uses the first {@code warmUpSize} sequences (spec §3). Steps before that train with the
 *       randomly initialised centres. With a {@linkplain #refitCentresAtStep refit step} N, the next
 *       {@code warmUpSize} windows from the model's N-th step on are clustered again, once, by the encoder as it
 *       has trained by then: the first fit saw an encoder that had not learnt yet, and the training terms do not
 *       move the centres onto what it learns later (docs/results.md, "How the users spread over the intents");</li>
 *   <li>one training step on the events that have a history and that the training sample chooses (all of them
 *       at {@code training.fraction} 1): input = history (last T, left-padded), target = the current item at the
 *       last position only, so each chosen (history, next item) pair of the stream is trained on exactly once;</li>
 *   <li>one scoring pass on every event's window INCLUDING the current item: the intent after this interaction
 *       and the top-N items, which never include the window's items or unassigned rows.</li>
 * </ol>
 *
 * <p>Events the training sample does not choose are only scored: a forward pass without gradient of the model as
 * it is after the batch's step, like every other event. At fraction 0 nothing changes the model or its item index
 * (no step, no centre warm-up, no new item takes a row, so no row is reset): it serves the model it started from,
 * and an item it does not know is left out of the window, as an evicted one is.
 *
 * <p>When the index evicts an item, its row goes to the new item; the row's embedding and Adam moments are reset
 * ({@link ElcRecModel#resetItemRows}) before the batch trains, so the new item does not inherit the evicted item's
 * vector. Histories that still hold the evicted item's fingerprint drop it (it no longer has a row).
 */
public final class OnlineTrainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OnlineTrainer.class);

    private final ElcRecModel model;
    /** Replaced as a whole when a scoring copy follows its trainer ({@link #follow}); otherwise updated in place. */
    private ItemIndex index;
    private final int warmUpSize;
    /** Windows collected for the first fit of the centres, or for their refit while it is due. */
    private final List<int[]> warmUp;
    /** The model version from which the centres are fitted once more; 0 never refits. */
    private long centreRefitStep;
    /** The model version at which the centres were last fitted; -1 before the first fit. */
    private long centresFittedAt;
    private final int maxLength;
    /** Counts calls that may have changed the model or the index, so an unchanged state is encoded once. */
    private long changes;
    private long failedCentreInitialisations;
    private long encodedAtChange = -1;
    private EncodedSnapshot encoded;

    private OnlineTrainer(ElcRecModel model, ItemIndex index, int warmUpSize, List<int[]> warmUp) {
        this.model = model;
        this.index = index;
        this.warmUpSize = warmUpSize;
        // Kept whether or not the centres are fitted: a checkpoint taken while a refit collects its windows holds
        // them; fitCentresIfDue drops them if no refit is due.
        this.warmUp = new ArrayList<>(warmUp);
        // Unless told otherwise (restoreCentresFittedAt), centres that come fitted with a model count as fitted at
        // its version, so a model already past a refit step is not refitted when it is loaded.
        this.centresFittedAt = model.centresInitialised() ? model.version() : -1;
        this.maxLength = model.config().maxSequenceLength();
    }

    /** A fresh model whose item table has {@code config.itemCount()} rows for items. */
    public static OnlineTrainer create(ElcRecConfig config, int warmUpSize) {
        return create(config, warmUpSize, 0);
    }

    /** {@link #create(ElcRecConfig, int)} with the model on CUDA device {@code gpuIndex} if it runs on a GPU. */
    public static OnlineTrainer create(ElcRecConfig config, int warmUpSize, int gpuIndex) {
        requireWarmUp(warmUpSize, config);
        ElcRecModel model = ElcRecModel.create(config, gpuIndex);
        return new OnlineTrainer(model, new ItemIndex(config.itemCount()), warmUpSize, List.of());
    }

    /** Continues from a {@link #snapshot()} and the warm-up sequences checkpointed with it. */
    public static OnlineTrainer restore(byte[] snapshot, List<int[]> warmUp, int warmUpSize) {
        return restore(snapshot, warmUp, warmUpSize, 0);
    }

    /** {@link #restore(byte[], List, int)} with the model on CUDA device {@code gpuIndex} if it runs on a GPU. */
    public static OnlineTrainer restore(byte[] snapshot, List<int[]> warmUp, int warmUpSize, int gpuIndex) {
        return restore(snapshot, warmUp, warmUpSize, gpuIndex, OptionalDouble.empty());
    }

    /**
     * {@link #restore(byte[], List, int, int)}, its optimiser stepping at {@code learningRate} when present instead of
     * the rate stored in the snapshot.
     */
    public static OnlineTrainer restore(
            byte[] snapshot, List<int[]> warmUp, int warmUpSize, int gpuIndex, OptionalDouble learningRate) {
        ModelSnapshot stored = ModelSnapshot.fromBytes(snapshot);
        ModelSnapshot decoded = learningRate.isPresent()
                ? stored.withLearningRate((float) learningRate.getAsDouble())
                : stored;
        requireWarmUp(warmUpSize, decoded.config());
        ItemIndex index = itemIndexOf(decoded);
        ElcRecModel model = ElcRecModel.restore(decoded, gpuIndex);
        return new OnlineTrainer(model, index, warmUpSize, warmUp);
    }

    /**
     * A scoring copy of a trainer's model, from its {@link #scoringSnapshot()}: it answers batches at training
     * fraction 0 (a forward pass, no change to the model or its item index) and follows the trainer through
     * later snapshots ({@link #follow}). It never trains, so it needs no optimiser state and no centre warm-up.
     */
    public static OnlineTrainer forScoring(byte[] scoringSnapshot, int gpuIndex) {
        ModelSnapshot decoded = ModelSnapshot.fromBytes(scoringSnapshot);
        // The snapshot carries the weights the trainer scores with (its average, if it keeps one); a copy that
        // only scores keeps no average of its own.
        ElcRecModel model = ElcRecModel.create(decoded.config().toBuilder().weightAverageDecay(0).build(), gpuIndex);
        try {
            OnlineTrainer scorer = new OnlineTrainer(model, new ItemIndex(decoded.config().itemCount()),
                    decoded.config().clusters(), List.of());
            scorer.follow(decoded);
            return scorer;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Takes the parameters, version, centres and item index of a newer {@link #scoringSnapshot()}, in place. */
    public void follow(byte[] scoringSnapshot) {
        follow(ModelSnapshot.fromBytes(scoringSnapshot));
    }

    private void follow(ModelSnapshot decoded) {
        ItemIndex followed = itemIndexOf(decoded);
        model.loadScoringSnapshot(decoded); // refuses a model of another shape, item table included
        index = followed;
        changes++;
    }

    /** The snapshot's item index (a fresh one when it has none), checked against its item table. */
    private static ItemIndex itemIndexOf(ModelSnapshot decoded) {
        ItemIndex index = decoded.itemIndex().length == 0
                ? new ItemIndex(decoded.config().itemCount())
                : ItemIndex.fromBytes(decoded.itemIndex());
        if (index.capacity() != decoded.config().itemCount()) {
            throw new IllegalStateException("Snapshot item index capacity " + index.capacity()
                    + " does not match the model's item table (" + decoded.config().itemCount() + " rows)");
        }
        return index;
    }

    private static void requireWarmUp(int warmUpSize, ElcRecConfig config) {
        if (warmUpSize < config.clusters()) {
            throw new IllegalArgumentException("centre warm-up (" + warmUpSize + ") must be at least k ("
                    + config.clusters() + ")");
        }
    }

    /** What one batch produced, in the order of the batch's events. */
    public record BatchOutcome(
            List<IntentAssignment> intents,
            List<Recommendation> recommendations,
            TrainStepResult step,
            long trainNanos,
            int trainingSamples,
            List<String> trainedEventIds) {
        /** True when the batch had at least one event with a history, so a training step ran. */
        public boolean trained() {
            return step != null;
        }
    }

    /** {@link #process(List, int, Instant, EventSample)} training on every event. */
    public BatchOutcome process(List<SequenceEvent> events, int topN, Instant emitTime) {
        return process(events, topN, emitTime, EventSample.training(1.0));
    }

    /**
     * Trains on the batch's events that {@code training} chooses (and that have a history), then scores every
     * event of the batch.
     */
    public BatchOutcome process(List<SequenceEvent> events, int topN, Instant emitTime, EventSample training) {
        return process(events, topN, emitTime, training, true, null);
    }

    /**
     * The training half of {@link #process(List, int, Instant, EventSample)} alone: the same item-index updates,
     * centre warm-up and training step, so the model ends exactly as there, but no scoring pass; the outcome has
     * no intents and no recommendations. For batches whose outputs nobody reads (the non-final epochs of a replay).
     */
    public BatchOutcome train(List<SequenceEvent> events, EventSample training) {
        return process(events, 1, null, training, false, null);
    }

    /** A batch's answers, one intent and one recommendation per event, in the batch's order. */
    public record Answers(List<IntentAssignment> intents, List<Recommendation> recommendations) {}

    /**
     * Answers every event first, with the model as it is before this batch's step (the same model the
     * prequential evaluation tests), hands the answers to {@code beforeStep}, and then trains on the batch: the
     * step is off the answers' latency path. The model ends exactly as after
     * {@link #process(List, int, Instant, EventSample)}; the answers differ from that method's by one step
     * (their model version is one lower when the batch trains).
     */
    public BatchOutcome answerThenTrain(List<SequenceEvent> events, int topN, Instant emitTime, EventSample training,
            Consumer<Answers> beforeStep) {
        return process(events, topN, emitTime, training, true, Objects.requireNonNull(beforeStep));
    }

    private BatchOutcome process(List<SequenceEvent> events, int topN, Instant emitTime, EventSample training,
            boolean score, Consumer<Answers> answerBeforeStep) {
        if (events.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one event");
        }
        int n = events.size();
        boolean frozen = training.fraction() == 0;
        if (!frozen) {
            changes++;
            List<Integer> reusedRows = new ArrayList<>();
            for (SequenceEvent e : events) {
                ItemIndex.Assignment assignment = index.assign(e.itemId);
                if (assignment.evicted()) {
                    reusedRows.add(assignment.row());
                }
            }
            if (!reusedRows.isEmpty()) {
                model.resetItemRows(reusedRows.stream().distinct().mapToInt(Integer::intValue).toArray());
            }
        }
        int[][] historyRows = new int[n][];
        long[] currentFingerprints = new long[n];
        int[] currentRows = new int[n];
        for (int i = 0; i < n; i++) {
            SequenceEvent e = events.get(i);
            historyRows[i] = rowsOf(e.history);
            currentFingerprints[i] = ItemFingerprint.of(e.itemId);
            // Looked up again (not taken from assign) because a later event of the same batch may have evicted
            // it when the batch holds more distinct items than the table has rows.
            currentRows[i] = index.rowOf(currentFingerprints[i]);
        }

        int[][] windows = new int[n][];
        for (int i = 0; i < n; i++) {
            windows[i] = leftPad(currentRows[i] == 0 ? historyRows[i] : append(historyRows[i], currentRows[i]));
        }
        if (!frozen) {
            fitCentresIfDue(windows);
        }

        TrainStepResult step = null;
        long trainNanos = 0;
        List<Integer> trainable = new ArrayList<>();
        List<String> trainedEventIds = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (historyRows[i].length > 0 && currentRows[i] != 0 && training.chooses(events.get(i).eventId)) {
                trainable.add(i);
                trainedEventIds.add(events.get(i).eventId);
            }
        }
        Answers answers = null;
        if (answerBeforeStep != null) {
            answers = answer(events, windows, currentFingerprints, topN, emitTime);
            answerBeforeStep.accept(answers);
        }
        if (!trainable.isEmpty()) {
            int[][] inputs = new int[trainable.size()][];
            int[][] targets = new int[trainable.size()][maxLength];
            for (int s = 0; s < trainable.size(); s++) {
                int i = trainable.get(s);
                inputs[s] = leftPad(historyRows[i]);
                targets[s][maxLength - 1] = currentRows[i];
            }
            long start = System.nanoTime();
            step = model.trainStep(new SequenceBatch(inputs, targets, index.liveRows()));
            trainNanos = System.nanoTime() - start;
        }

        if (!score) {
            return new BatchOutcome(List.of(), List.of(), step, trainNanos, trainable.size(), trainedEventIds);
        }
        if (answers == null) {
            answers = answer(events, windows, currentFingerprints, topN, emitTime);
        }
        return new BatchOutcome(answers.intents(), answers.recommendations(), step, trainNanos, trainable.size(),
                trainedEventIds);
    }

    /** One scoring pass of the model as it is now over the batch's windows, as output records. */
    private Answers answer(List<SequenceEvent> events, int[][] windows, long[] currentFingerprints, int topN,
            Instant emitTime) {
        int n = events.size();
        int liveRows = index.liveRows();
        // A frozen model with an empty index (fraction 0 without an initial model) still assigns intents; it
        // ranks one row, which recommendedItems drops as not live, so its recommendations are empty.
        int rankedRows = Math.max(1, liveRows);
        Scores scores = model.score(windows, Math.min(topN, rankedRows), rankedRows);
        List<IntentAssignment> intents = new ArrayList<>(n);
        List<Recommendation> recommendations = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            SequenceEvent e = events.get(i);
            Instant eventTime = Instant.ofEpochMilli(e.eventTime);
            intents.add(IntentAssignment.newBuilder()
                    .setEventId(e.eventId)
                    .setUserId(e.userId)
                    .setEventTime(eventTime)
                    .setEmitTime(emitTime)
                    .setModelVersion(scores.modelVersion())
                    .setClusterId(scores.cluster()[i])
                    .setClusterDistance(scores.clusterDistance()[i])
                    .setRunnerUpClusterId(scores.runnerUp()[i])
                    .setRunnerUpDistance(scores.runnerUpDistance()[i])
                    .build());
            recommendations.add(Recommendation.newBuilder()
                    .setEventId(e.eventId)
                    .setUserId(e.userId)
                    .setEventTime(eventTime)
                    .setModelVersion(scores.modelVersion())
                    .setItems(recommendedItems(e, currentFingerprints[i], scores.topItems()[i], scores.topScores()[i],
                            liveRows, topN))
                    .build());
        }
        return new Answers(intents, recommendations);
    }

    /**
     * Maps ranked rows to external ids. The model already excludes the window's rows; this also drops anything
     * the user's window holds by identity (an evicted-then-re-added item has a new row) and any row that is not
     * a live item, so the output contract does not depend on the model alone.
     */
    private List<ScoredItem> recommendedItems(SequenceEvent e, long currentFingerprint, int[] rows, float[] scores,
            int liveRows, int topN) {
        // The window after this event: the last T of history + current item (what the user's state now holds).
        Set<Long> window = new HashSet<>(2 * maxLength);
        for (int h = Math.max(0, e.history.length - (maxLength - 1)); h < e.history.length; h++) {
            window.add(e.history[h]);
        }
        window.add(currentFingerprint);
        List<ScoredItem> items = new ArrayList<>(Math.min(rows.length, topN));
        for (int r = 0; r < rows.length && items.size() < topN; r++) {
            int row = rows[r];
            if (row < 1 || row > liveRows) {
                continue;
            }
            String id = index.externalId(row);
            if (id == null || window.contains(index.fingerprint(row))) {
                continue;
            }
            items.add(new ScoredItem(id, scores[r]));
        }
        return items;
    }

    private void fitCentresIfDue(int[][] windows) {
        boolean firstFit = !model.centresInitialised();
        boolean refit = !firstFit && centreRefitStep > 0 && model.version() >= centreRefitStep
                && centresFittedAt < centreRefitStep;
        if (!firstFit && !refit) {
            warmUp.clear(); // a refit's windows restored into a job that no longer refits
            return;
        }
        for (int[] window : windows) {
            if (warmUp.size() < warmUpSize) {
                warmUp.add(window);
            }
        }
        if (warmUp.size() >= warmUpSize) {
            int[][] sequences = warmUp.toArray(new int[0][]);
            warmUp.clear();
            try {
                model.initialiseCentres(sequences);
                centresFittedAt = model.version();
                if (refit) {
                    LOG.info("Centres refitted at model version {} by k-means on {} windows (first fitted earlier, "
                            + "refit step {})", centresFittedAt, sequences.length, centreRefitStep);
                }
            } catch (IllegalArgumentException e) {
                // Embeddings that are not finite (a model that diverged before its centres were fitted) cannot
                // be clustered. Failing here would fail the job on every restart; the windows that follow get
                // another try instead, and the counter shows it.
                failedCentreInitialisations++;
                LOG.warn("Centre initialisation on {} windows failed, retrying with the next ones: {}",
                        sequences.length, e.getMessage());
            }
        }
    }

    private int[] rowsOf(long[] fingerprints) {
        int[] rows = new int[fingerprints.length];
        int kept = 0;
        for (long fingerprint : fingerprints) {
            int row = index.rowOf(fingerprint);
            if (row != 0) {
                rows[kept++] = row;
            }
        }
        return kept == rows.length ? rows : Arrays.copyOf(rows, kept);
    }

    private static int[] append(int[] rows, int row) {
        int[] result = Arrays.copyOf(rows, rows.length + 1);
        result[rows.length] = row;
        return result;
    }

    private int[] leftPad(int[] rows) {
        return SequenceWindows.leftPad(rows, maxLength);
    }

    /**
     * The model with the item index attached, as checkpoint bytes.
     *
     * @see #encodedSnapshot()
     */
    public byte[] snapshot() {
        return encodedSnapshot().bytes();
    }

    /**
     * The encoded state and its identity.
     *
     * @param bytes the model with the item index attached ({@link ModelSnapshot#toBytes()})
     * @param checksum {@link ModelSnapshot#checksum()}: parameters and optimiser state
     * @param version the model version
     * @param reused true when nothing changed since the previous call and its bytes were returned again
     */
    public record EncodedSnapshot(byte[] bytes, long checksum, long version, boolean reused) {}

    /**
     * The state as checkpoint bytes, encoded again only when a batch was processed since the last encoding:
     * copying a Beauty-sized model out of the engine and encoding it takes tens of milliseconds on the operator
     * thread, and checkpoints of an idle stream (or several within one batch's training) need not pay it twice.
     */
    public EncodedSnapshot encodedSnapshot() {
        if (encoded != null && encodedAtChange == changes) {
            return new EncodedSnapshot(encoded.bytes(), encoded.checksum(), encoded.version(), true);
        }
        // One array, filled from the engine directly: a checkpoint runs this on the operator thread, and the
        // separate parameter and optimiser arrays of model.snapshot() cost old-generation collections there.
        ModelSnapshot.Encoded snapshot = model.encodedSnapshot(index.toBytes());
        encoded = new EncodedSnapshot(snapshot.bytes(), snapshot.checksum(), snapshot.version(), false);
        encodedAtChange = changes;
        return encoded;
    }

    /**
     * What scoring needs of the model as it is now (parameters, version, centres and item index; no optimiser
     * state), as bytes to broadcast to {@link #forScoring scoring copies}.
     */
    public byte[] scoringSnapshot() {
        return model.encodedScoringSnapshot(index.toBytes()).bytes();
    }

    /** Grows whenever a batch or an update may have changed the model or its item index. */
    public long stateChanges() {
        return changes;
    }

    /** {@link ModelSnapshot#checksum()} of the model as it is now. */
    public long checksum() {
        return encodedSnapshot().checksum();
    }

    /** Windows collected for a fit of the centres that has not happened yet (the first or a due refit). */
    public List<int[]> warmUpSequences() {
        return List.copyOf(warmUp);
    }

    /**
     * Fits the centres once more when the model has taken {@code step} training steps (its version): by k-means,
     * as the first fit, on the {@code warmUpSize} windows that follow, embedded by the encoder as it is then. 0
     * never refits. A model whose centres were fitted at or after {@code step} is not refitted.
     */
    public void refitCentresAtStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("the centre refit step must be >= 0, got " + step);
        }
        this.centreRefitStep = step;
    }

    /** The model version at which the centres were last fitted; -1 before their first fit. */
    public long centresFittedAt() {
        return centresFittedAt;
    }

    /**
     * Restores {@link #centresFittedAt()} from a checkpoint of this trainer's state; without one a loaded model's
     * centres count as fitted at its version.
     */
    public void restoreCentresFittedAt(long version) {
        if (!model.centresInitialised() && version >= 0) {
            throw new IllegalArgumentException("centres fitted at version " + version
                    + " restored into a model whose centres are not fitted");
        }
        this.centresFittedAt = version;
    }

    /** Warm-ups whose k-means could not run (non-finite embeddings); each is retried with the next windows. */
    public long failedCentreInitialisations() {
        return failedCentreInitialisations;
    }

    /** The model itself, for read-only scoring outside {@link #process} (prequential evaluation before a batch). */
    ElcRecModel model() {
        return model;
    }

    public long modelVersion() {
        return model.version();
    }

    public boolean centresInitialised() {
        return model.centresInitialised();
    }

    public ElcRecConfig config() {
        return model.config();
    }

    public ItemIndex itemIndex() {
        return index;
    }

    @Override
    public void close() {
        model.close();
    }
}
