package io.intentstream.model;

/**
 * Inference-only outputs for B sequences, computed in evaluation mode without gradients.
 *
 * @param embeddings (B, d) mean-pooled sequence embeddings, the representation that is clustered
 * @param cluster nearest centre per sample ({@code argmin_i ||c_i - h||^2}, spec Eq. 5)
 * @param clusterDistance squared distance of the L2-normalised embedding to that centre
 * @param runnerUp second-nearest centre per sample
 * @param runnerUpDistance squared distance to the runner-up
 * @param topItems (B, N) item rows ranked by score, best first; padding, mask, rows above liveItemRows and the
 *     sample's own input rows are never returned, so a sample with fewer than N such candidates gets a shorter row
 * @param topScores (B, N) the scores of {@code topItems} (dot product of the last position with the item row)
 * @param modelVersion the version of the model that produced these scores
 */
public record Scores(
        float[][] embeddings,
        int[] cluster,
        float[] clusterDistance,
        int[] runnerUp,
        float[] runnerUpDistance,
        int[][] topItems,
        float[][] topScores,
        long modelVersion) {}
