package io.intentstream.e2e;

import io.intentstream.job.embedded.EmbeddedKafkaBroker;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One embedded Kafka broker for all tests of a class, started before the first and stopped after the last:
 * {@code @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();}. A broker start
 * costs seconds, so tests share it and keep apart by fresh topic names ({@link KafkaJobRun.Topics#fresh}).
 */
final class KafkaBrokerExtension implements BeforeAllCallback, AfterAllCallback {

    private EmbeddedKafkaBroker broker;

    @Override
    public void beforeAll(ExtensionContext context) {
        broker = EmbeddedKafkaBroker.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    /** The running broker; only between the class's first and last test. */
    EmbeddedKafkaBroker broker() {
        if (broker == null) {
            throw new IllegalStateException("The broker runs only while the test class runs; register this "
                    + "extension as a static field with @RegisterExtension");
        }
        return broker;
    }
}
