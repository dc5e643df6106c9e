package io.intentstream.job.demo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Normalised mutual information between two labelings of the same items:
 * {@code NMI(A, B) = I(A; B) / ((H(A) + H(B)) / 2)}, natural logarithms, arithmetic-mean normalisation (the
 * default of scikit-learn's {@code normalized_mutual_info_score}). 1 means the labelings agree up to renaming
 * labels, about 0 means they are independent.
 *
 * <p>Degenerate cases follow scikit-learn: two labelings with one label each (or nothing) score 1; otherwise a
 * labeling with a single label carries no information and scores 0.
 */
public final class NormalizedMutualInformation {

    private NormalizedMutualInformation() {}

    /** NMI of two labelings given element by element; the lists must have the same length. */
    public static <A, B> double of(List<A> first, List<B> second) {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(second, "second");
        if (first.size() != second.size()) {
            throw new IllegalArgumentException(
                    "labelings differ in length: " + first.size() + " and " + second.size());
        }
        int n = first.size();
        Map<A, Integer> countA = new HashMap<>();
        Map<B, Integer> countB = new HashMap<>();
        Map<List<Object>, Integer> joint = new HashMap<>();
        for (int i = 0; i < n; i++) {
            A a = first.get(i);
            B b = second.get(i);
            countA.merge(a, 1, Integer::sum);
            countB.merge(b, 1, Integer::sum);
            joint.merge(List.of(a, b), 1, Integer::sum);
        }
        if (countA.size() == countB.size() && countA.size() <= 1) {
            return 1.0;
        }
        if (countA.size() == 1 || countB.size() == 1) {
            return 0.0;
        }
        double mutualInformation = 0;
        for (Map.Entry<List<Object>, Integer> cell : joint.entrySet()) {
            double nij = cell.getValue();
            double ai = countA.get(cell.getKey().get(0));
            double bj = countB.get(cell.getKey().get(1));
            mutualInformation += nij / n * Math.log(nij * n / (ai * bj));
        }
        double normaliser = (entropy(countA, n) + entropy(countB, n)) / 2;
        // Rounding can push I slightly outside [0, normaliser].
        return Math.max(0.0, Math.min(1.0, mutualInformation / normaliser));
    }

    /**
     * NMI over the keys both maps share (for example users with a planted intent and an assigned cluster).
     *
     * @throws IllegalArgumentException if they share no key
     */
    public static <K, A, B> double overCommonKeys(Map<K, A> first, Map<K, B> second) {
        List<K> keys = first.keySet().stream().filter(second::containsKey).toList();
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("the labelings share no element");
        }
        return of(keys.stream().map(first::get).toList(), keys.stream().map(second::get).toList());
    }

    private static double entropy(Map<?, Integer> counts, int n) {
        double h = 0;
        for (int c : counts.values()) {
            double p = (double) c / n;
            h -= p * Math.log(p);
        }
        return h;
    }
}
