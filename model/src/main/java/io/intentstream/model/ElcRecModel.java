package io.intentstream.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.intentstream.model.cluster.Augmentations;
import io.intentstream.model.cluster.CentreInitialiser;
import io.intentstream.model.cluster.NearestCentre;
import io.intentstream.model.cluster.UnitRows;
import io.intentstream.model.encoder.ElcRecNetwork;
import io.intentstream.model.training.AdamOptimizer;
import io.intentstream.model.training.ExactBytes;
import io.intentstream.model.training.GradMode;
import io.intentstream.model.training.HostBatch;
import io.intentstream.model.training.JointObjective;
import io.intentstream.model.training.NativeMemoryTuning;
import io.intentstream.model.training.StepRandomness;
import io.intentstream.model.training.StepRandomness.Purpose;
import io.intentstream.model.training.TensorCodec;
import io.intentstream.model.training.TorchThreads;
import io.intentstream.model.training.TrainingLock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The ELCRec model: a SASRec-style encoder and k differentiable intent centres trained together, with its Adam
 * optimiser. One instance owns one NDManager on the configured device; every batch is created on that device.
 *
 * <p>Every step is deterministic: its randomness (dropout, negatives, augmentations) is a function of the
 * config's seed and a draw counter that snapshots carry, so equal inputs give bit-identical parameters and a
 * restored model continues exactly as the original would have. Training steps of all models in the JVM are
 * serialised by {@link TrainingLock}. Methods of one instance are synchronised; inference does not take the
 * JVM-wide lock. The first model loads the engine with a thread setting for a shared 2-core machine
 * ({@link TorchThreads}) and sets glibc's malloc thresholds ({@link NativeMemoryTuning}).
 *
 * <p>A step: prepare views and negatives on the host, one upload, the {@link JointObjective} under a gradient
 * collector inside an {@link NDScope}, one read-back of the five loss values, then (if the loss and every
 * gradient are finite; otherwise the step is skipped and reported as such) the
 * padding row's gradient zeroed, the Adam update, the centres renormalised, and (when the config averages weights)
 * the moving average moved towards the new parameters; nothing created during the step outlives it.
 *
 * <p>With {@link ElcRecConfig#averagesWeights()} the model keeps a second copy of the network whose parameters are an
 * exponential moving average of the trained ones, and everything that scores (recommendations, intents, evaluation,
 * scoring snapshots) uses that copy: an average over the last few hundred steps is a smoother model than the last
 * step's, at no cost per step beyond one in-place update. The average is part of the snapshot, so a restored model
 * continues it bit-exactly.
 */
public final class ElcRecModel implements AutoCloseable {

    /** PyTorch's default; the reference does not change it. */
    static final float ADAM_EPSILON = 1e-8f;

    private static final String ENGINE = "PyTorch";
    private static final int PARAMETER_FORMAT = 1;
    private static final int RANDOM_STATE_FORMAT = 1;
    /** Rows per inference forward pass: bounds the (rows, T, T) attention and (rows, M+2) score memory. */
    private static final int INFERENCE_CHUNK = 256;

    private final ElcRecConfig config;
    private final Engine engine;
    private final NDManager manager;
    private final ElcRecNetwork network;
    private final ParameterStore store;
    private final List<String> parameterNames;
    private final List<NDArray> parameterArrays;
    /** The network that scores: {@link #network} itself, or its moving average when the config averages weights. */
    private final ElcRecNetwork servingNetwork;
    /** {@link #servingNetwork}'s parameters, in the same block order as {@link #parameterArrays}. */
    private final List<NDArray> servingArrays;
    private final int itemTableIndex;
    /** Index of the item bias among the parameters, or -1 when the config has none. */
    private final int itemBiasIndex;
    private final int centresIndex;
    private final AdamOptimizer optimizer;
    private final JointObjective objective;
    private final Augmentations augmentations;

    private long version;
    private long randomDraws;
    private boolean centresInitialised;
    private boolean closed;

    private ElcRecModel(ElcRecConfig config, int gpuIndex) {
        if (gpuIndex < 0) {
            throw new IllegalArgumentException("gpuIndex must not be negative, got " + gpuIndex);
        }
        this.config = config;
        engine = TorchThreads.engine();
        NativeMemoryTuning.applyOnce();
        manager = NDManager.newBaseManager(resolveDevice(config.device(), engine, gpuIndex), ENGINE);
        try {
            network = new ElcRecNetwork(config);
            ElcRecNetwork average = config.averagesWeights() ? new ElcRecNetwork(config) : network;
            try (TrainingLock.Held ignored = TrainingLock.acquire()) {
                engine.setRandomSeed(StepRandomness.of(config.seed(), 0, Purpose.PARAMETER_INIT).engineSeed());
                network.initialize(manager);
                if (average != network) {
                    average.initialize(manager); // its draws are overwritten by the copy below
                }
            }
            store = new ParameterStore(manager, false);
            // Block order, which is fixed by construction; the keys are the parameters' unique block paths.
            ParameterList parameterList = network.getParameters();
            List<Parameter> parameters = parameterList.values();
            parameterNames = List.copyOf(parameterList.keys());
            parameterArrays = parameters.stream().map(Parameter::getArray).toList();
            servingNetwork = average;
            servingArrays = average.getParameters().values().stream().map(Parameter::getArray).toList();
            if (!List.copyOf(average.getParameters().keys()).equals(parameterNames)) {
                throw new IllegalStateException("the averaged network's parameters differ from the trained one's");
            }
            if (average != network) {
                try (GradMode noGrad = GradMode.disabled()) {
                    for (int i = 0; i < parameterArrays.size(); i++) {
                        overwrite(servingArrays.get(i), parameterArrays.get(i));
                    }
                }
            }
            itemTableIndex = parameters.indexOf(network.itemTable());
            itemBiasIndex = network.itemBias().map(parameters::indexOf).orElse(-1);
            centresIndex = parameters.indexOf(network.centres());
            optimizer = new AdamOptimizer(manager, parameterNames, parameterArrays, config.learningRate(),
                    config.beta1(), config.beta2(), ADAM_EPSILON);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        objective = new JointObjective(config);
        augmentations = config.contrastEnabled() ? Augmentations.from(config) : null;
    }

    /** A freshly initialised model (parameters ~ N(0, initRange), centres random until {@link #initialiseCentres}). */
    public static ElcRecModel create(ElcRecConfig config) {
        return create(config, 0);
    }

    /**
     * {@link #create(ElcRecConfig)} on CUDA device {@code gpuIndex} when the config's device resolves to a GPU (for
     * a TaskManager that Flink's GPU external resource assigned a device other than 0); ignored on the CPU.
     */
    public static ElcRecModel create(ElcRecConfig config, int gpuIndex) {
        return new ElcRecModel(config, gpuIndex);
    }

    /** A model continuing exactly where {@code snapshot} was taken (parameters, Adam moments, step, RNG, version). */
    public static ElcRecModel restore(ModelSnapshot snapshot) {
        return restore(snapshot, 0);
    }

    /** {@link #restore(ModelSnapshot)} on CUDA device {@code gpuIndex}, as for {@link #create(ElcRecConfig, int)}. */
    public static ElcRecModel restore(ModelSnapshot snapshot, int gpuIndex) {
        ElcRecModel model = new ElcRecModel(snapshot.config(), gpuIndex);
        try {
            model.load(snapshot);
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    public ElcRecConfig config() {
        return config;
    }

    /** Monotonic model version: one more per applied optimiser step; carried through snapshots. */
    public synchronized long version() {
        return version;
    }

    /** True once the centres were set by k-means (offline: all training sequences; streaming: a warm-up buffer). */
    public synchronized boolean centresInitialised() {
        return centresInitialised;
    }

    /** The device the parameters live on (resolved from the config's {@link Device}). */
    public ai.djl.Device device() {
        return manager.getDevice();
    }

    /**
     * Sets the centres by k-means on the mean-pooled, evaluation-mode embeddings of {@code sequences}
     * (each T rows, left-padded), then L2-normalises them. The centres' Adam moments restart from zero, since
     * they described the centres being replaced.
     */
    public synchronized void initialiseCentres(int[][] sequences) {
        ensureOpen();
        if (sequences.length == 0) {
            throw new IllegalArgumentException("initialiseCentres needs at least one sequence");
        }
        validateInputs(sequences, config.itemRows() - 1);
        float[][] pooled = new float[sequences.length][];
        int row = 0;
        for (int start = 0; start < sequences.length; start += INFERENCE_CHUNK) {
            int[][] chunk = Arrays.copyOfRange(sequences, start, Math.min(sequences.length, start + INFERENCE_CHUNK));
            try (GradMode ignored = GradMode.disabled(); NDScope scope = new NDScope()) {
                NDArray encoded = encodeForInference(network, chunk); // (b, T, D)
                float[] flat = encoded.mean(new int[] {1}).toFloatArray(); // (b, D)
                int d = config.hiddenSize();
                for (int i = 0; i < chunk.length; i++) {
                    pooled[row++] = Arrays.copyOfRange(flat, i * d, (i + 1) * d);
                }
            }
        }
        float[][] centres = CentreInitialiser.initialise(pooled, config);
        float[] flat = new float[config.clusters() * config.hiddenSize()];
        for (int c = 0; c < centres.length; c++) {
            System.arraycopy(centres[c], 0, flat, c * config.hiddenSize(), config.hiddenSize());
        }
        NDArray centresArray = parameterArrays.get(centresIndex);
        try (GradMode ignored = GradMode.disabled(); NDScope scope = new NDScope()) {
            centresArray.set(new NDIndex(":"), manager.create(flat, centresArray.getShape()));
            optimizer.resetRows(centresIndex, manager.arange(0L, (long) config.clusters(), 1L,
                    ai.djl.ndarray.types.DataType.INT64));
            if (averaging()) {
                // The average of the centres being replaced says nothing about the new ones.
                overwrite(servingArrays.get(centresIndex), centresArray);
            }
        }
        centresInitialised = true;
    }

    /**
     * One forward and backward pass of the joint objective and one Adam step. Takes the JVM-wide
     * {@link TrainingLock} before this model's monitor (the order every locking method here uses).
     */
    public TrainStepResult trainStep(SequenceBatch batch) {
        try (TrainingLock.Held ignored = TrainingLock.acquire()) {
            synchronized (this) {
                ensureOpen();
                validateBatch(batch);
                return trainStepLocked(batch, gradients -> {});
            }
        }
    }

    /** {@link #trainStep} with a look at the gradients before they are checked (tests corrupt them here). */
    TrainStepResult trainStep(SequenceBatch batch, Consumer<List<NDArray>> gradientTap) {
        try (TrainingLock.Held ignored = TrainingLock.acquire()) {
            synchronized (this) {
                ensureOpen();
                validateBatch(batch);
                return trainStepLocked(batch, gradientTap);
            }
        }
    }

    private TrainStepResult trainStepLocked(SequenceBatch batch, Consumer<List<NDArray>> gradientTap) {
        StepRandomness randomness = StepRandomness.of(config.seed(), randomDraws++, Purpose.TRAIN_STEP);
        HostBatch host = HostBatch.prepare(batch, config.nextItemLoss(), config.sampledNegatives(), augmentations,
                randomness.hostRandom());
        engine.setRandomSeed(randomness.engineSeed());
        try (NDScope scope = new NDScope()) {
            HostBatch.DeviceBatch device = host.upload(manager);
            float[] values;
            try (GradientCollector collector = engine.newGradientCollector()) {
                JointObjective.Terms terms = objective.compute(network, store, device, batch.liveItemRows());
                values = terms.values();
                if (Float.isFinite(values[0])) {
                    collector.backward(terms.total());
                }
            }
            LossParts loss = new LossParts(values[0], values[1], values[2], values[3], values[4]);
            if (!Float.isFinite(values[0])) {
                return new TrainStepResult(loss, version, true);
            }
            freezePaddingRow();
            gradientTap.accept(parameterArrays.stream().map(NDArray::getGradient).toList());
            boolean[] active = activeParameters();
            // A finite loss can still back-propagate an overflow (inf, then inf - inf = NaN); one such update
            // would make every later output NaN, so the step is dropped like one with a non-finite loss.
            if (!gradientsFinite(active)) {
                return new TrainStepResult(loss, version, true);
            }
            optimizer.step(active);
            if (objective.usesCentres()) {
                renormaliseCentres(parameterArrays.get(centresIndex));
            }
            if (averaging()) {
                updateAverage();
            }
            version++;
            return new TrainStepResult(loss, version, false);
        } finally {
            optimizer.zeroGradients();
        }
    }

    /**
     * Inference only (evaluation mode, no gradient): intents and the top-N items after each input sequence.
     * Candidates are rows 1..liveItemRows that are not in the sample's own input. A sample with fewer than
     * {@code topN} candidates gets a shorter row in {@code topItems} and {@code topScores}.
     */
    public synchronized Scores score(int[][] inputs, int topN, int liveItemRows) {
        ensureOpen();
        if (topN < 1) {
            throw new IllegalArgumentException("topN must be at least 1, got " + topN);
        }
        validateLiveRows(liveItemRows);
        validateInputs(inputs, config.itemRows() - 1);
        int b = inputs.length;
        int d = config.hiddenSize();
        float[][] embeddings = new float[b][];
        int[] cluster = new int[b];
        float[] clusterDistance = new float[b];
        int[] runnerUp = new int[b];
        float[] runnerUpDistance = new float[b];
        int[][] topItems = new int[b][];
        float[][] topScores = new float[b][];
        int kept = Math.min(topN, liveItemRows);
        for (int start = 0; start < b; start += INFERENCE_CHUNK) {
            int[][] chunk = Arrays.copyOfRange(inputs, start, Math.min(b, start + INFERENCE_CHUNK));
            try (GradMode ignored = GradMode.disabled(); NDScope scope = new NDScope()) {
                NDArray encoded = encodeForInference(servingNetwork, chunk); // (c, T, D)
                NDArray pooled = encoded.mean(new int[] {1}); // (c, D)
                NearestCentre.Assignment assignment = NearestCentre.assign(pooled, servingArrays.get(centresIndex));
                float[] pooledFlat = pooled.toFloatArray();

                NDArray last = encoded.get(new NDIndex(":, -1, :")); // (c, D)
                NDIndex live = new NDIndex("1:{}", liveItemRows + 1);
                NDArray candidates = servingArrays.get(itemTableIndex).get(live); // (live, D)
                NDArray logits = withItemBias(last.matMul(candidates.transpose()), live); // (c, live)
                long[] seen = seenCells(chunk, liveItemRows);
                if (seen.length > 0) {
                    NDArray seenIndex = manager.create(seen);
                    logits = logits.put(seenIndex, manager.full(new Shape(seen.length), Float.NEGATIVE_INFINITY));
                }
                NDList top = logits.topK(kept, 1, true, true);
                float[] values = top.get(0).toFloatArray(); // (c, kept)
                long[] columns = top.get(1).toLongArray(); // (c, kept)
                for (int i = 0; i < chunk.length; i++) {
                    int at = start + i;
                    embeddings[at] = Arrays.copyOfRange(pooledFlat, i * d, (i + 1) * d);
                    cluster[at] = assignment.nearest()[i];
                    clusterDistance[at] = assignment.nearestDistance()[i];
                    runnerUp[at] = assignment.runnerUp()[i];
                    runnerUpDistance[at] = assignment.runnerUpDistance()[i];
                    int valid = 0;
                    while (valid < kept && values[i * kept + valid] != Float.NEGATIVE_INFINITY) {
                        valid++;
                    }
                    topItems[at] = new int[valid];
                    topScores[at] = new float[valid];
                    for (int r = 0; r < valid; r++) {
                        topItems[at][r] = (int) columns[i * kept + r] + 1;
                        topScores[at][r] = values[i * kept + r];
                    }
                }
            }
        }
        return new Scores(embeddings, cluster, clusterDistance, runnerUp, runnerUpDistance, topItems, topScores,
                version);
    }

    /**
     * Inference only: the raw score of every item row (B, itemCount+2) after each input sequence, for
     * full-ranking evaluation. Nothing is masked here; the evaluator applies its protocol.
     */
    public synchronized float[][] itemScores(int[][] inputs) {
        ensureOpen();
        validateInputs(inputs, config.itemRows() - 1);
        int rows = config.itemRows();
        float[][] scores = new float[inputs.length][];
        for (int start = 0; start < inputs.length; start += INFERENCE_CHUNK) {
            int[][] chunk = Arrays.copyOfRange(inputs, start, Math.min(inputs.length, start + INFERENCE_CHUNK));
            try (GradMode ignored = GradMode.disabled(); NDScope scope = new NDScope()) {
                NDArray last = encodeForInference(servingNetwork, chunk).get(new NDIndex(":, -1, :")); // (c, D)
                NDArray logits = last.matMul(servingArrays.get(itemTableIndex).transpose()); // (c, M+2)
                float[] flat = withItemBias(logits, new NDIndex(":")).toFloatArray();
                for (int i = 0; i < chunk.length; i++) {
                    scores[start + i] = Arrays.copyOfRange(flat, i * rows, (i + 1) * rows);
                }
            }
        }
        return scores;
    }

    /**
     * Inference only: the intent (nearest centre) of each input sequence, as {@link #score} assigns it, without
     * scoring the items.
     */
    public synchronized int[] intents(int[][] inputs) {
        ensureOpen();
        validateInputs(inputs, config.itemRows() - 1);
        int[] intents = new int[inputs.length];
        for (int start = 0; start < inputs.length; start += INFERENCE_CHUNK) {
            int[][] chunk = Arrays.copyOfRange(inputs, start, Math.min(inputs.length, start + INFERENCE_CHUNK));
            try (GradMode ignored = GradMode.disabled(); NDScope scope = new NDScope()) {
                NDArray pooled = encodeForInference(servingNetwork, chunk).mean(new int[] {1}); // (c, D)
                long[] nearest = NearestCentre.nearest(pooled, servingArrays.get(centresIndex)).toLongArray();
                for (int i = 0; i < chunk.length; i++) {
                    intents[start + i] = Math.toIntExact(nearest[i]);
                }
            }
        }
        return intents;
    }

    /** The k intent centres the model scores with, as (k, d) host rows for inspection (reports, plots); a copy. */
    public synchronized float[][] centres() {
        ensureOpen();
        float[] flat = servingArrays.get(centresIndex).toFloatArray();
        int d = config.hiddenSize();
        float[][] rows = new float[config.clusters()][];
        for (int c = 0; c < rows.length; c++) {
            rows[c] = Arrays.copyOfRange(flat, c * d, (c + 1) * d);
        }
        return rows;
    }

    /**
     * Re-draws the given item rows from N(0, initRange), zeroes their bias (if the model has one) and their Adam
     * moments, for an item index that hands a row to a new item after evicting the old one. Rows must be items
     * (1..itemCount), never padding or the mask id. Consumes one random draw (part of the snapshot), so it is as
     * reproducible as a step.
     */
    public void resetItemRows(int[] rows) {
        long[] indices = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 1 || rows[i] > config.itemCount()) {
                throw new IllegalArgumentException(
                        "item rows are 1.." + config.itemCount() + ", cannot reset row " + rows[i]);
            }
            indices[i] = rows[i];
        }
        if (indices.length == 0) {
            return;
        }
        try (TrainingLock.Held ignored = TrainingLock.acquire()) {
            synchronized (this) {
                ensureOpen();
                NDArray table = parameterArrays.get(itemTableIndex);
                try (GradMode noGrad = GradMode.disabled(); NDScope scope = new NDScope()) {
                    engine.setRandomSeed(
                            StepRandomness.of(config.seed(), randomDraws++, Purpose.ROW_RESET).engineSeed());
                    NDArray index = manager.create(indices);
                    NDArray fresh = manager.randomNormal(0f, config.initRange(),
                            new Shape(indices.length, config.hiddenSize()), table.getDataType());
                    table.set(new NDIndex("{}", index), fresh);
                    optimizer.resetRows(itemTableIndex, index);
                    if (averaging()) {
                        servingArrays.get(itemTableIndex).set(new NDIndex("{}", index), fresh);
                    }
                    if (itemBiasIndex >= 0) {
                        // A new item starts without the old one's popularity.
                        NDArray zeros = manager.zeros(new Shape(indices.length, 1), table.getDataType());
                        parameterArrays.get(itemBiasIndex).set(new NDIndex("{}", index), zeros);
                        optimizer.resetRows(itemBiasIndex, index);
                        if (averaging()) {
                            servingArrays.get(itemBiasIndex).set(new NDIndex("{}", index), zeros);
                        }
                    }
                }
            }
        }
    }

    /** The complete state, enough to continue training bit-exactly in a fresh instance. */
    public synchronized ModelSnapshot snapshot() {
        ensureOpen();
        return new ModelSnapshot(config, version, optimizer.stepCount(), centresInitialised,
                encodeParameters(parameterArrays), optimizer.encodeState(),
                averaging() ? encodeParameters(servingArrays) : new byte[0], randomState(), new byte[0]);
    }

    /**
     * {@code snapshot().withItemIndex(itemIndex).toBytes()} and its checksum, encoded into one exactly sized array
     * that is filled straight from the engine's memory: a streaming job does this on its operator thread at every
     * checkpoint, where the separate parameter and optimiser arrays (and the copy that joins them) cost time and,
     * being large, old-generation garbage collections.
     */
    public synchronized ModelSnapshot.Encoded encodedSnapshot(byte[] itemIndex) {
        ensureOpen();
        boolean averaging = averaging();
        return ModelSnapshot.encode(config, version, optimizer.stepCount(), centresInitialised,
                parametersSize(parameterArrays), (out, sink) -> writeParameters(parameterArrays, out, sink),
                optimizer.encodedStateSize(), optimizer::writeState,
                averaging ? parametersSize(servingArrays) : 0,
                (out, sink) -> { if (averaging) writeParameters(servingArrays, out, sink); },
                randomState(), itemIndex);
    }

    /**
     * The parameters the model scores with (the average, when it keeps one), version and centre state alone,
     * encoded as a snapshot whose optimiser and average blocks are empty: what a training operator broadcasts to
     * the scoring copies of its model ({@link #loadScoringSnapshot}). About a third of {@link #encodedSnapshot}'s
     * size, since Adam's two moments per parameter stay behind.
     */
    public synchronized ModelSnapshot.Encoded encodedScoringSnapshot(byte[] itemIndex) {
        ensureOpen();
        return ModelSnapshot.encode(config, version, optimizer.stepCount(), centresInitialised,
                parametersSize(servingArrays), (out, sink) -> writeParameters(servingArrays, out, sink),
                0, (out, sink) -> { }, 0, (out, sink) -> { }, randomState(), itemIndex);
    }

    /**
     * Takes the parameters a model of the same shape scores with ({@link ModelSnapshot#servingParameters()}), its
     * version and centre state from its {@link #encodedScoringSnapshot} (or a full snapshot), in place, into the
     * parameters this model scores with: a scoring copy follows its trainer this way without building a new network
     * for every update. The optimiser and random state stay as they are; a model that loads scoring snapshots only
     * scores.
     *
     * @throws IllegalArgumentException when the snapshot's parameters differ in name, type or shape
     */
    public synchronized void loadScoringSnapshot(ModelSnapshot snapshot) {
        ensureOpen();
        loadParameters(snapshot.servingParameters(), servingArrays);
        version = snapshot.version();
        centresInitialised = snapshot.centresInitialised();
    }

    private byte[] encodeParameters(List<NDArray> arrays) {
        ExactBytes bytes = new ExactBytes(parametersSize(arrays));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeParameters(arrays, out, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.bytes();
    }

    private int parametersSize(List<NDArray> arrays) {
        int size = 4 + 4;
        for (int i = 0; i < arrays.size(); i++) {
            size += ExactBytes.utfSize(parameterNames.get(i)) + TensorCodec.encodedSize(arrays.get(i));
        }
        return size;
    }

    private void writeParameters(List<NDArray> arrays, DataOutputStream out, ExactBytes sink) throws IOException {
        out.writeInt(PARAMETER_FORMAT);
        out.writeInt(arrays.size());
        for (int i = 0; i < arrays.size(); i++) {
            out.writeUTF(parameterNames.get(i));
            TensorCodec.write(out, sink, arrays.get(i));
        }
    }

    private byte[] randomState() {
        ByteArrayOutputStream randomBytes = new ByteArrayOutputStream(12);
        try (DataOutputStream out = new DataOutputStream(randomBytes)) {
            out.writeInt(RANDOM_STATE_FORMAT);
            out.writeLong(randomDraws);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return randomBytes.toByteArray();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            optimizer.close();
            manager.close();
        }
    }

    /** Arrays the model's manager holds right now: constant between steps unless something leaks (tests). */
    synchronized int managedArrayCount() {
        return ((ai.djl.ndarray.BaseNDManager) manager).getManagedArrays().size();
    }

    private void load(ModelSnapshot snapshot) {
        loadParameters(snapshot.parameters(), parameterArrays);
        boolean averaging = averaging();
        if (averaging != (snapshot.averagedParameters().length > 0)) {
            throw new IllegalArgumentException("the snapshot " + (averaging ? "lacks" : "has")
                    + " averaged parameters, but its config " + (averaging ? "averages" : "does not average")
                    + " weights");
        }
        if (averaging) {
            loadParameters(snapshot.averagedParameters(), servingArrays);
        }
        optimizer.restoreState(snapshot.optimizerState());
        if (optimizer.stepCount() != snapshot.stepCount()) {
            throw new IllegalArgumentException("snapshot step count " + snapshot.stepCount()
                    + " disagrees with its optimiser state's " + optimizer.stepCount());
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot.rngState()))) {
            int format = in.readInt();
            if (format != RANDOM_STATE_FORMAT) {
                throw new IllegalArgumentException("unsupported random state format " + format);
            }
            randomDraws = in.readLong();
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt random state in model snapshot", e);
        }
        version = snapshot.version();
        centresInitialised = snapshot.centresInitialised();
    }

    private void loadParameters(byte[] parameters, List<NDArray> into) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(parameters));
                GradMode ignored = GradMode.disabled()) {
            int format = in.readInt();
            if (format != PARAMETER_FORMAT) {
                throw new IllegalArgumentException("unsupported parameter format " + format);
            }
            int count = in.readInt();
            if (count != into.size()) {
                throw new IllegalArgumentException("snapshot has " + count + " parameters, this model " + into.size());
            }
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                if (!name.equals(parameterNames.get(i))) {
                    throw new IllegalArgumentException("snapshot parameter " + i + " is '" + name + "', expected '"
                            + parameterNames.get(i) + "'");
                }
                TensorCodec.readInto(in, into.get(i));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt parameters in model snapshot", e);
        }
    }

    /** {@code net}'s output in evaluation mode for a chunk of inputs; call inside a scope with autograd off. */
    private NDArray encodeForInference(ElcRecNetwork net, int[][] inputs) {
        long[] flat = new long[inputs.length * config.maxSequenceLength()];
        int offset = 0;
        for (int[] row : inputs) {
            for (int id : row) {
                flat[offset++] = id;
            }
        }
        NDArray ids = manager.create(flat, new Shape(inputs.length, config.maxSequenceLength()));
        return net.forward(store, new NDList(ids), false).singletonOrThrow(); // (b, T, D)
    }

    /** Flat cells b*live + (row-1) of the logits (b, live) that hold a sample's own input rows. */
    private static long[] seenCells(int[][] inputs, int liveItemRows) {
        long[] cells = new long[inputs.length * (inputs.length == 0 ? 0 : inputs[0].length)];
        int n = 0;
        for (int i = 0; i < inputs.length; i++) {
            for (int row : inputs[i]) {
                if (row >= 1 && row <= liveItemRows) {
                    cells[n++] = (long) i * liveItemRows + row - 1;
                }
            }
        }
        return Arrays.copyOf(cells, n);
    }

    /**
     * The reference renormalises the centres in place before each batch, outside the autograd graph. Doing it
     * right after each applied update gives every batch the same unit centres (they start as unit rows and only
     * an update moves them), and leaves a skipped step without any parameter change.
     */
    private static void renormaliseCentres(NDArray centres) {
        try (GradMode ignored = GradMode.disabled()) {
            centres.set(new NDIndex(":"), UnitRows.normalise(centres.stopGradient()));
        }
    }

    /**
     * One step of the exponential moving average, {@code average = d * average + (1 - d) * parameter}, with
     * {@code d = min(decay, (1 + n) / (10 + n))} after the n-th optimiser step (TensorFlow's ExponentialMovingAverage
     * with num_updates): early on, when the start says little, the average follows the parameters closely. The
     * averaged centres are renormalised, since only unit centres are meaningful (an average of unit rows is
     * shorter). Runs in the step's scope with autograd off.
     */
    private void updateAverage() {
        long n = optimizer.stepCount();
        double decay = Math.min(config.weightAverageDecay(), (1.0 + n) / (10.0 + n));
        try (GradMode ignored = GradMode.disabled()) {
            for (int i = 0; i < parameterArrays.size(); i++) {
                servingArrays.get(i).muli(decay).addi(parameterArrays.get(i).mul(1 - decay));
            }
        }
        if (objective.usesCentres()) {
            renormaliseCentres(servingArrays.get(centresIndex));
        }
    }

    /** Whether this model keeps a moving average of its weights (and scores with it). */
    private boolean averaging() {
        return servingNetwork != network;
    }

    /** Copies {@code source}'s values into {@code target} (same shape and type), in place; call with autograd off. */
    private static void overwrite(NDArray target, NDArray source) {
        target.set(new NDIndex(":"), source);
    }

    /** Whether every gradient the optimiser would apply is finite, with one device-to-host read. */
    private boolean gradientsFinite(boolean[] active) {
        try (GradMode ignored = GradMode.disabled()) {
            NDList nonFinite = new NDList();
            for (int i = 0; i < parameterArrays.size(); i++) {
                if (active[i]) {
                    NDArray gradient = parameterArrays.get(i).getGradient();
                    nonFinite.add(gradient.isNaN().logicalOr(gradient.isInfinite()).any());
                }
            }
            return !NDArrays.stack(nonFinite).any().getBoolean();
        }
    }

    /** Row 0 is padding: as the reference's padding_idx=0, it never receives a gradient and so never moves. */
    private void freezePaddingRow() {
        try (GradMode ignored = GradMode.disabled()) {
            parameterArrays.get(itemTableIndex).getGradient().set(new NDIndex("0"), 0f);
            if (itemBiasIndex >= 0) {
                parameterArrays.get(itemBiasIndex).getGradient().set(new NDIndex("0"), 0f);
            }
        }
    }

    /** {@code logits} (c, R) plus the serving item bias of the R rows {@code rows} selects, when there is one. */
    private NDArray withItemBias(NDArray logits, NDIndex rows) {
        return itemBiasIndex < 0 ? logits : logits.add(servingArrays.get(itemBiasIndex).get(rows).transpose());
    }

    private boolean[] activeParameters() {
        boolean[] active = new boolean[parameterArrays.size()];
        Arrays.fill(active, true);
        active[centresIndex] = objective.usesCentres();
        return active;
    }

    private void validateBatch(SequenceBatch batch) {
        if (batch.size() == 0) {
            throw new IllegalArgumentException("a training batch needs at least one sequence");
        }
        validateLiveRows(batch.liveItemRows());
        validateInputs(batch.inputs(), config.itemRows() - 1);
        int t = config.maxSequenceLength();
        for (int b = 0; b < batch.size(); b++) {
            int[] targets = batch.targets()[b];
            if (targets.length != t) {
                throw new IllegalArgumentException(
                        "targets row " + b + " has " + targets.length + " entries, expected T=" + t);
            }
            for (int target : targets) {
                if (target < 0 || target > batch.liveItemRows()) {
                    throw new IllegalArgumentException("target " + target + " in row " + b
                            + " is outside 0..liveItemRows=" + batch.liveItemRows());
                }
            }
        }
        int[][] positives = batch.positives();
        for (int b = 0; positives != null && b < positives.length; b++) {
            if (positives[b] != null) {
                validateRow(positives[b], "positive row " + b, config.itemRows() - 1);
            }
        }
    }

    private void validateInputs(int[][] inputs, int maxRow) {
        for (int b = 0; b < inputs.length; b++) {
            validateRow(inputs[b], "input row " + b, maxRow);
        }
    }

    private void validateRow(int[] row, String name, int maxRow) {
        int t = config.maxSequenceLength();
        if (row.length != t) {
            throw new IllegalArgumentException(name + " has " + row.length + " entries, expected T=" + t);
        }
        for (int id : row) {
            if (id < 0 || id > maxRow) {
                throw new IllegalArgumentException("item row " + id + " in " + name + " is outside 0.." + maxRow);
            }
        }
    }

    private void validateLiveRows(int liveItemRows) {
        if (liveItemRows < 1 || liveItemRows > config.itemCount()) {
            throw new IllegalArgumentException(
                    "liveItemRows must be in 1.." + config.itemCount() + ", got " + liveItemRows);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the model is closed");
        }
    }

    private static ai.djl.Device resolveDevice(Device device, Engine engine, int gpuIndex) {
        int gpus = engine.getGpuCount();
        if (device != Device.CPU && gpus > 0 && gpuIndex >= gpus) {
            throw new IllegalStateException("GPU " + gpuIndex + " was requested but the " + ENGINE + " engine sees "
                    + gpus + " GPU(s)");
        }
        return switch (device) {
            case CPU -> ai.djl.Device.cpu();
            case GPU -> {
                if (gpus == 0) {
                    throw new IllegalStateException("device GPU was requested but the " + ENGINE
                            + " engine sees no GPU (CPU-only native library or no CUDA device); use AUTO or CPU");
                }
                yield ai.djl.Device.gpu(gpuIndex);
            }
            case AUTO -> gpus > 0 ? ai.djl.Device.gpu(gpuIndex) : ai.djl.Device.cpu();
        };
    }
}
