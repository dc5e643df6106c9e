package io.intentstream.job.training;

import org.apache.flink.api.common.accumulators.Accumulator;
import org.apache.flink.api.common.accumulators.SimpleAccumulator;

/**
 * The most recently added double, for progress displays of a quantity (the training loss) whose running average
 * would hide its trend. Merging keeps the value that was added later, judged by how many values each side saw.
 */
public final class LatestValueAccumulator implements SimpleAccumulator<Double> {

    private static final long serialVersionUID = 1L;

    private double value = Double.NaN;
    private long updates;

    @Override
    public void add(Double next) {
        value = next;
        updates++;
    }

    @Override
    public Double getLocalValue() {
        return value;
    }

    @Override
    public void resetLocal() {
        value = Double.NaN;
        updates = 0;
    }

    @Override
    public void merge(Accumulator<Double, Double> other) {
        if (other instanceof LatestValueAccumulator o && o.updates > updates) {
            value = o.value;
            updates = o.updates;
        }
    }

    @Override
    public LatestValueAccumulator clone() {
        LatestValueAccumulator copy = new LatestValueAccumulator();
        copy.value = value;
        copy.updates = updates;
        return copy;
    }

    @Override
    public String toString() {
        return "LatestValueAccumulator " + value;
    }
}
