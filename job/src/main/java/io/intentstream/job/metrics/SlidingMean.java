package io.intentstream.job.metrics;

/**
 * Mean of the last {@code window} values (fewer until that many have arrived): the "moving average" behind the
 * prequential quality gauges. Not thread-safe; a gauge may read {@link #mean()} from the reporter thread, which
 * sees a slightly stale but never torn value because it reads one volatile double.
 */
public final class SlidingMean {

    private final double[] values;
    private int next;
    private int size;
    private double sum;
    private volatile double mean = Double.NaN;

    public SlidingMean(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1, got " + window);
        }
        this.values = new double[window];
    }

    public void add(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("value must be finite, got " + value);
        }
        if (size == values.length) {
            sum -= values[next];
        } else {
            size++;
        }
        values[next] = value;
        sum += value;
        next = (next + 1) % values.length;
        if (next == 0) {
            // Re-sum once per lap so rounding errors of the running sum cannot accumulate forever.
            sum = 0;
            for (int i = 0; i < size; i++) {
                sum += values[i];
            }
        }
        mean = sum / size;
    }

    /** NaN until the first value. */
    public double mean() {
        return mean;
    }

    public int size() {
        return size;
    }
}
