package io.intentstream.model.cluster;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * Assignment of embeddings to intents (spec §3, paper Eq. 5): {@code argmin_i ||c_i - h||^2} on L2-normalised
 * embeddings and centres.
 *
 * <p>Usage:
 * <pre>{@code
 * NDArray intent = NearestCentre.nearest(pooledOriginal, centres);      // (b) int64, no gradient
 * NDArray positives = centres.get(intent);                                // (b, d), gradient flows to centres
 * NearestCentre.Assignment a = NearestCentre.assign(pooled, centres);    // for Scores: nearest + runner-up
 * }</pre>
 *
 * <p>Both sides are normalised here, so callers may pass raw pooled embeddings. On unit vectors
 * {@code ||c - h||^2 = 2 - 2 c . h}, so the nearest centre is the one of largest cosine similarity; distances
 * are in [0, 4]. The choice is not differentiable: indices are computed without gradient, and the caller gathers
 * centre rows with {@code centres.get(indices)}, through which gradients do flow (as in the reference, which
 * indexes its centre parameter).
 */
public final class NearestCentre {

    /**
     * The nearest and second-nearest centre of each row, with squared distances between the normalised vectors.
     * When k = 1 there is no runner-up: {@code runnerUp} is -1 and its distance {@code Float.NaN}.
     */
    public record Assignment(int[] nearest, float[] nearestDistance, int[] runnerUp, float[] runnerUpDistance) {}

    private NearestCentre() {}

    /**
     * The index of the nearest centre for every embedding row.
     *
     * @param embeddings (..., d): (b, d) for pooled sequences, (b, T, d) for every position of a batch
     * @param centres (k, d)
     * @return int64 indices of shape (...), detached from the autograd graph
     */
    public static NDArray nearest(NDArray embeddings, NDArray centres) {
        try (NDArray similarity = cosineSimilarities(embeddings, centres)) {
            return similarity.argMax(-1);
        }
    }

    /** Nearest and runner-up centre of each row of {@code embeddings} (n, d), for reporting (Scores). */
    public static Assignment assign(NDArray embeddings, NDArray centres) {
        if (embeddings.getShape().dimension() != 2) {
            throw new IllegalArgumentException("embeddings must be (n, d), got " + embeddings.getShape());
        }
        int n = Math.toIntExact(embeddings.getShape().get(0));
        int k = Math.toIntExact(centres.getShape().get(0));
        int[] nearest = new int[n];
        float[] nearestDistance = new float[n];
        int[] runnerUp = new int[n];
        float[] runnerUpDistance = new float[n];
        try (NDArray similarity = cosineSimilarities(embeddings, centres)) {
            int kept = Math.min(2, k);
            NDList top = similarity.topK(kept, 1, true, true);
            try (top) {
                float[] bestSimilarity = top.get(0).toFloatArray();
                long[] bestIndex = top.get(1).toLongArray();
                for (int i = 0; i < n; i++) {
                    nearest[i] = (int) bestIndex[i * kept];
                    nearestDistance[i] = distanceFromCosine(bestSimilarity[i * kept]);
                    if (kept == 2) {
                        runnerUp[i] = (int) bestIndex[i * kept + 1];
                        runnerUpDistance[i] = distanceFromCosine(bestSimilarity[i * kept + 1]);
                    } else {
                        runnerUp[i] = -1;
                        runnerUpDistance[i] = Float.NaN;
                    }
                }
            }
        }
        return new Assignment(nearest, nearestDistance, runnerUp, runnerUpDistance);
    }

    /** Cosine similarities (..., k) of every embedding row with every centre, detached from the graph. */
    private static NDArray cosineSimilarities(NDArray embeddings, NDArray centres) {
        if (centres.getShape().dimension() != 2
                || embeddings.getShape().get(embeddings.getShape().dimension() - 1) != centres.getShape().get(1)) {
            throw new IllegalArgumentException("embeddings must be (..., d) and centres (k, d), got "
                    + embeddings.getShape() + " and " + centres.getShape());
        }
        try (NDArray rawH = embeddings.stopGradient();
                NDArray rawC = centres.stopGradient();
                NDArray h = UnitRows.normalise(rawH);
                NDArray c = UnitRows.normalise(rawC);
                NDArray cT = c.transpose()) {
            return h.matMul(cT);
        }
    }

    /** ||c - h||^2 = 2 - 2 cos for unit vectors; clamped at 0 against rounding. */
    private static float distanceFromCosine(float cosine) {
        return Math.max(0f, 2f - 2f * cosine);
    }
}
