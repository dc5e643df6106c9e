package io.intentstream.model;

/**
 * The ELCRec model: a SASRec-style encoder and k differentiable intent centres trained together, with its Adam
 * optimiser. One instance owns one NDManager on the configured device; every batch is created on that device.
 *
 * <p>API CONTRACT (other modules code against these signatures; the bodies are being written).
 */
public final class ElcRecModel implements AutoCloseable {

    private ElcRecModel() {}

    /** A freshly initialised model (parameters ~ N(0, initRange), centres random until {@link #initialiseCentres}). */
    public static ElcRecModel create(ElcRecConfig config) {
        throw new UnsupportedOperationException("in progress");
    }

    /** A model continuing exactly where {@code snapshot} was taken (parameters, Adam moments, step, RNG, version). */
    public static ElcRecModel restore(ModelSnapshot snapshot) {
        throw new UnsupportedOperationException("in progress");
    }

    public ElcRecConfig config() {
        throw new UnsupportedOperationException("in progress");
    }

    /** Monotonic model version: one more per applied optimiser step; carried through snapshots. */
    public long version() {
        throw new UnsupportedOperationException("in progress");
    }

    /** True once the centres were set by k-means (offline: all training sequences; streaming: a warm-up buffer). */
    public boolean centresInitialised() {
        throw new UnsupportedOperationException("in progress");
    }

    /**
     * Sets the centres by k-means on the mean-pooled, evaluation-mode embeddings of {@code sequences}
     * (each T rows, left-padded), then L2-normalises them.
     */
    public void initialiseCentres(int[][] sequences) {
        throw new UnsupportedOperationException("in progress");
    }

    /** One forward and backward pass of the joint objective and one Adam step. */
    public TrainStepResult trainStep(SequenceBatch batch) {
        throw new UnsupportedOperationException("in progress");
    }

    /**
     * Inference only (evaluation mode, no gradient): intents and the top-N items after each input sequence.
     * Candidates are rows 1..liveItemRows that are not in the sample's own input.
     */
    public Scores score(int[][] inputs, int topN, int liveItemRows) {
        throw new UnsupportedOperationException("in progress");
    }

    /**
     * Inference only: the raw score of every item row (B, itemCount+2) after each input sequence, for
     * full-ranking evaluation. Nothing is masked here; the evaluator applies its protocol.
     */
    public float[][] itemScores(int[][] inputs) {
        throw new UnsupportedOperationException("in progress");
    }

    /** The complete state, enough to continue training bit-exactly in a fresh instance. */
    public ModelSnapshot snapshot() {
        throw new UnsupportedOperationException("in progress");
    }

    @Override
    public void close() {}
}
