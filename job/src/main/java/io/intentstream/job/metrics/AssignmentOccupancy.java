package io.intentstream.job.metrics;

/**
 * How the last {@code window} intent assignments spread over the k clusters: how many clusters hold at least one
 * of them, and the Shannon entropy of their distribution. A collapse (every user on one or a few centres, the
 * failure ELCRec's cluster loss can run into) shows as few non-empty clusters and an entropy far below log2(k).
 */
public final class AssignmentOccupancy {

    private final int[] recent;
    private final long[] counts;
    private int next;
    private int size;
    private int nonEmpty;
    private volatile int nonEmptySnapshot;
    private volatile double entropyBits = Double.NaN;

    public AssignmentOccupancy(int clusters, int window) {
        if (clusters < 1) {
            throw new IllegalArgumentException("clusters must be at least 1, got " + clusters);
        }
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1, got " + window);
        }
        this.recent = new int[window];
        this.counts = new long[clusters];
    }

    /** Records a batch of assignments, then recomputes the gauges once (O(k) per batch, not per event). */
    public void addAll(int[] clusters) {
        for (int cluster : clusters) {
            add(cluster);
        }
        double entropy = 0;
        for (long count : counts) {
            if (count > 0) {
                double p = (double) count / size;
                entropy -= p * Math.log(p);
            }
        }
        entropyBits = size == 0 ? Double.NaN : entropy / Math.log(2);
        nonEmptySnapshot = nonEmpty;
    }

    private void add(int cluster) {
        if (cluster < 0 || cluster >= counts.length) {
            throw new IllegalArgumentException("cluster " + cluster + " outside 0.." + (counts.length - 1));
        }
        if (size == recent.length) {
            int leaving = recent[next];
            if (--counts[leaving] == 0) {
                nonEmpty--;
            }
        } else {
            size++;
        }
        recent[next] = cluster;
        if (counts[cluster]++ == 0) {
            nonEmpty++;
        }
        next = (next + 1) % recent.length;
    }

    /** Clusters holding at least one of the recent assignments. */
    public int nonEmptyClusters() {
        return nonEmptySnapshot;
    }

    /** Entropy in bits of the recent assignments' cluster distribution; log2(k) when perfectly even, NaN when empty. */
    public double entropyBits() {
        return entropyBits;
    }

    /** {@link #entropyBits()} divided by log2(k): 1 for an even spread, 0 when all are in one cluster. */
    public double normalisedEntropy() {
        return counts.length == 1 ? (size == 0 ? Double.NaN : 1.0) : entropyBits / (Math.log(counts.length) / Math.log(2));
    }

    public int clusters() {
        return counts.length;
    }
}
