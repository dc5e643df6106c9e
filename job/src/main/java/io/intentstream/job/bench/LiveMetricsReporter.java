package io.intentstream.job.bench;

import java.util.Map;
import java.util.OptionalDouble;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.View;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * Keeps the live metric objects of a local (MiniCluster) run so a benchmark can read them at the moments it
 * chooses (end of input, after a checkpoint, between load phases) instead of at a reporting interval: the
 * training operator's event counters, the job's checkpoint gauges and RocksDB's native properties. One run at a
 * time per JVM. Found by
 * Flink through its service file; it only reports when a configuration names it ({@code metrics.reporters}).
 */
public final class LiveMetricsReporter implements MetricReporter, MetricReporterFactory {

    private static final Map<String, Metric> METRICS = new ConcurrentHashMap<>();

    /** Forgets the metrics of an earlier run. */
    static void clear() {
        METRICS.clear();
    }

    /** The sum of the counters and numeric gauges whose identifier matches, or empty if none does. */
    static OptionalDouble sum(Predicate<String> identifier) {
        double total = 0;
        boolean found = false;
        for (Map.Entry<String, Metric> entry : METRICS.entrySet()) {
            if (!identifier.test(entry.getKey())) {
                continue;
            }
            if (entry.getValue() instanceof View view) {
                view.update(); // RocksDB's properties are read on update, which Flink otherwise does every 5 s
            }
            double value;
            if (entry.getValue() instanceof Counter counter) {
                value = counter.getCount();
            } else if (entry.getValue() instanceof Gauge<?> gauge && gauge.getValue() instanceof Number number) {
                value = number.doubleValue();
            } else {
                continue;
            }
            total += value;
            found = true;
        }
        return found ? OptionalDouble.of(total) : OptionalDouble.empty();
    }

    /** The numeric metrics whose identifier matches, by identifier. */
    static java.util.SortedMap<String, Double> values(Predicate<String> identifier) {
        java.util.SortedMap<String, Double> values = new java.util.TreeMap<>();
        for (String id : METRICS.keySet()) {
            if (identifier.test(id)) {
                sum(id::equals).ifPresent(value -> values.put(id, value));
            }
        }
        return values;
    }

    /** The sum of the metrics named exactly {@code name} (the last part of the identifier). */
    static OptionalDouble sumNamed(String name) {
        return sum(id -> id.endsWith("." + name));
    }

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        return this;
    }

    @Override
    public void open(MetricConfig config) {}

    @Override
    public void close() {}

    @Override
    public void notifyOfAddedMetric(Metric metric, String metricName, MetricGroup group) {
        METRICS.put(group.getMetricIdentifier(metricName), metric);
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String metricName, MetricGroup group) {
        METRICS.remove(group.getMetricIdentifier(metricName), metric);
    }
}
