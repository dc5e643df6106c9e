package io.intentstream.model.bench;

import java.util.Arrays;

/**
 * Wall times of repeated runs of one operation of known size. The median is the figure reported: on a machine
 * shared with other work single runs are often descheduled, and the median ignores those outliers without
 * claiming the best case; the best run is kept alongside as what the hardware does when it is not disturbed.
 *
 * @param seconds every run's wall time, in the order measured
 * @param flopsPerRun the operation's analytic FLOP count (see {@link StepFlops})
 */
public record Timings(double[] seconds, double flopsPerRun) {

    public Timings {
        if (seconds.length == 0) {
            throw new IllegalArgumentException("timings need at least one run");
        }
        seconds = seconds.clone();
    }

    public int runs() {
        return seconds.length;
    }

    public double medianSeconds() {
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    public double bestSeconds() {
        return Arrays.stream(seconds).min().orElseThrow();
    }

    /** GFLOP/s at the median run time. */
    public double gflops() {
        return flopsPerRun / medianSeconds() / 1e9;
    }

    /** GFLOP/s of the fastest run. */
    public double bestGflops() {
        return flopsPerRun / bestSeconds() / 1e9;
    }

    /** Collects run times as they are measured. */
    static final class Recorder {
        private final double flops;
        private double[] seconds = new double[16];
        private int count;

        Recorder(double flops) {
            this.flops = flops;
        }

        void add(long nanos) {
            if (count == seconds.length) {
                seconds = Arrays.copyOf(seconds, count * 2);
            }
            seconds[count++] = nanos / 1e9;
        }

        int count() {
            return count;
        }

        Timings timings() {
            return new Timings(Arrays.copyOf(seconds, count), flops);
        }
    }
}
