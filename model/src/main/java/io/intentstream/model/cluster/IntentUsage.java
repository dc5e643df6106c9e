package io.intentstream.model.cluster;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * How a model's users spread over its k intents: whether the centres describe many intents or a few hold nearly
 * everyone. The ranking metrics cannot show this, and a consumer of the intent output needs it.
 *
 * @param clusters k, the centres the model has
 * @param users the assignments counted
 * @param used the centres that hold at least one user
 * @param effective {@code exp(H)}, H the entropy (natural log) of the users' distribution over the centres: k when
 *     every centre holds as many users, 1 when one holds them all; between them, the number of equally held
 *     centres that would be as spread
 * @param largestShare the share of users held by the largest intent, in [0, 1]
 */
@JsonPropertyOrder({"clusters", "users", "used", "effective", "largest_share"})
public record IntentUsage(int clusters, int users, int used, double effective, double largestShare) {

    /**
     * @param assignments each user's intent, in {@code [0, clusters)}
     * @throws IllegalArgumentException when there is no assignment or one is out of range
     */
    public static IntentUsage of(int[] assignments, int clusters) {
        if (assignments.length == 0) {
            throw new IllegalArgumentException("no assignments to describe");
        }
        int[] sizes = new int[clusters];
        for (int intent : assignments) {
            if (intent < 0 || intent >= clusters) {
                throw new IllegalArgumentException("intent " + intent + " is not one of the " + clusters);
            }
            sizes[intent]++;
        }
        int used = 0;
        int largest = 0;
        double entropy = 0;
        for (int size : sizes) {
            if (size > 0) {
                used++;
                largest = Math.max(largest, size);
                double share = size / (double) assignments.length;
                entropy -= share * Math.log(share);
            }
        }
        return new IntentUsage(clusters, assignments.length, used, Math.exp(entropy),
                largest / (double) assignments.length);
    }
}
