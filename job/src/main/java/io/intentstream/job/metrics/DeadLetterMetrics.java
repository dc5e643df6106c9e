package io.intentstream.job.metrics;

import io.intentstream.avro.DeadLetter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Counts dead letters by the reason code at the start of their reason ({@code UNDECODABLE: ...} counts as
 * {@code UNDECODABLE}) on their way to the dead-letter sink, as the counter {@code deadLetters} in a metric group
 * {@code reason=<code>}: Prometheus shows it as one series per reason label. Passes every record through unchanged.
 */
public final class DeadLetterMetrics extends RichMapFunction<DeadLetter, DeadLetter> {

    private static final long serialVersionUID = 1L;

    /** Reason codes are a short upper-case word; anything else is grouped so a bad producer cannot explode labels. */
    static final String OTHER = "OTHER";

    private transient MetricGroup group;
    private transient Map<String, Counter> byReason;

    @Override
    public void open(OpenContext openContext) {
        group = getRuntimeContext().getMetricGroup();
        byReason = new HashMap<>();
    }

    @Override
    public DeadLetter map(DeadLetter deadLetter) {
        String code = reasonCode(deadLetter.getReason());
        byReason.computeIfAbsent(code, c -> group.addGroup("reason", c).counter("deadLetters")).inc();
        return deadLetter;
    }

    /** The code before the first ':' of a reason, e.g. {@code INVALID}; {@link #OTHER} if there is none. */
    static String reasonCode(CharSequence reason) {
        if (reason == null) {
            return OTHER;
        }
        String text = reason.toString();
        int colon = text.indexOf(':');
        String code = (colon < 0 ? text : text.substring(0, colon)).trim().toUpperCase(Locale.ROOT);
        return code.matches("[A-Z][A-Z_]{0,31}") ? code : OTHER;
    }
}
