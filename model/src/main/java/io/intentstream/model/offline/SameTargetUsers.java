package io.intentstream.model.offline;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;

/**
 * Users grouped by the item they are trained to predict last, so that a training sequence can be paired with
 * another user's that leads to the same item ({@link ContrastPositives#SAME_TARGET}).
 */
final class SameTargetUsers {

    /** Users sorted by target; {@code groupStart[u]..groupEnd[u]} is the range in it holding u's group. */
    private final int[] byTarget;
    private final int[] groupStart;
    private final int[] groupEnd;
    private final int[] positionInOrder;

    /**
     * @param users the users to group (indices into {@code targets})
     * @param targets per user index, the item its last training position predicts
     */
    SameTargetUsers(int[] users, int[] targets) {
        byTarget = Arrays.stream(users).boxed()
                .sorted(Comparator.<Integer>comparingInt(u -> targets[u]).thenComparingInt(u -> u))
                .mapToInt(Integer::intValue).toArray();
        groupStart = new int[targets.length];
        groupEnd = new int[targets.length];
        positionInOrder = new int[targets.length];
        Arrays.fill(positionInOrder, -1);
        int start = 0;
        for (int i = 0; i <= byTarget.length; i++) {
            if (i == byTarget.length || targets[byTarget[i]] != targets[byTarget[start]]) {
                for (int j = start; j < i; j++) {
                    groupStart[byTarget[j]] = start;
                    groupEnd[byTarget[j]] = i;
                    positionInOrder[byTarget[j]] = j;
                }
                start = i;
            }
        }
    }

    /** Another user with {@code user}'s target, uniformly from {@code rng}; -1 when no other has it (no draw). */
    int partner(int user, Random rng) {
        int self = positionInOrder[user];
        if (self < 0) {
            throw new IllegalArgumentException("user " + user + " was not grouped");
        }
        int others = groupEnd[user] - groupStart[user] - 1;
        if (others == 0) {
            return -1;
        }
        int pick = groupStart[user] + rng.nextInt(others);
        return byTarget[pick >= self ? pick + 1 : pick];
    }
}
