package io.intentstream.job.demo;

import io.intentstream.avro.DeadLetter;
import io.intentstream.avro.IntentAssignment;
import io.intentstream.avro.Recommendation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the job's three output topics from the beginning with a {@code read_committed} consumer on a background
 * thread, decodes every record and hands it to a {@link Listener}. Only committed transactions are seen, so what
 * it counts is what the job durably produced.
 */
public final class OutputTopicReader implements AutoCloseable {

    /** Receives the decoded output records on the reader's thread. */
    public interface Listener {
        void onIntent(IntentAssignment intent, ConsumerRecord<String, byte[]> record);

        void onRecommendation(Recommendation recommendation, ConsumerRecord<String, byte[]> record);

        void onDeadLetter(DeadLetter deadLetter, ConsumerRecord<String, byte[]> record);
    }

    /** The topic names to read. */
    public record Topics(String intents, String recommendations, String deadLetters) {
        public Topics {
            Objects.requireNonNull(intents, "intents");
            Objects.requireNonNull(recommendations, "recommendations");
            Objects.requireNonNull(deadLetters, "deadLetters");
        }

        List<String> all() {
            return List.of(intents, recommendations, deadLetters);
        }
    }

    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaConsumer<String, byte[]> consumer;
    private final Topics topics;
    private final Listener listener;
    private final Thread thread;
    private final AtomicLong undecodable = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Requests from other threads to report when every partition has been read up to given offsets. */
    private final AtomicReference<CatchUp> catchUp = new AtomicReference<>();
    private volatile boolean running = true;

    /** A caller waiting for the reader to pass the end offsets; the reader fills in the targets itself. */
    private static final class CatchUp {
        private final CountDownLatch reached;
        private Map<TopicPartition, Long> targets;

        CatchUp(CountDownLatch reached) {
            this.reached = reached;
        }

        CountDownLatch reached() {
            return reached;
        }
    }

    private OutputTopicReader(KafkaConsumer<String, byte[]> consumer, Topics topics, Listener listener) {
        this.consumer = consumer;
        this.topics = topics;
        this.listener = listener;
        this.thread = new Thread(this::run, "output-topic-reader");
        this.thread.setDaemon(true);
    }

    /**
     * Subscribes to every partition of the three topics (which must exist) and starts reading.
     *
     * @throws IllegalStateException if a topic does not exist
     */
    public static OutputTopicReader start(String bootstrapServers, Topics topics, Listener listener) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics.all()) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalStateException("Output topic " + topic + " does not exist");
                }
                infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        OutputTopicReader reader = new OutputTopicReader(consumer, topics, listener);
        reader.thread.start();
        return reader;
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    dispatch(record);
                }
                CatchUp request = catchUp.get();
                if (request != null) {
                    // The consumer is not thread-safe, so the end offsets are taken here, on its own thread.
                    if (request.targets == null) {
                        request.targets = consumer.endOffsets(consumer.assignment());
                    }
                    if (request.targets.entrySet().stream()
                            .allMatch(t -> consumer.position(t.getKey()) >= t.getValue())) {
                        request.reached().countDown();
                        catchUp.compareAndSet(request, null);
                    }
                }
            }
        } catch (WakeupException e) {
            // close() woke the consumer up; nothing else to do.
        } catch (Throwable t) {
            failure.set(t);
        } finally {
            consumer.close();
            stopped.countDown();
        }
    }

    private void dispatch(ConsumerRecord<String, byte[]> record) {
        byte[] value = record.value() == null ? new byte[0] : record.value();
        try {
            if (record.topic().equals(topics.intents())) {
                listener.onIntent(AvroBinary.decode(value, IntentAssignment.class), record);
            } else if (record.topic().equals(topics.recommendations())) {
                listener.onRecommendation(AvroBinary.decode(value, Recommendation.class), record);
            } else {
                listener.onDeadLetter(AvroBinary.decode(value, DeadLetter.class), record);
            }
        } catch (IllegalArgumentException e) {
            undecodable.incrementAndGet();
        }
    }

    /**
     * Waits until everything committed to the output topics before this call has been read: the reader takes
     * the end offsets (for {@code read_committed}, the last stable offsets) and reports when it has passed them.
     *
     * @return false if that did not happen within {@code timeout}
     * @throws IllegalStateException if the reader thread failed
     */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        CatchUp request = new CatchUp(new CountDownLatch(1));
        catchUp.set(request);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (request.reached().await(100, TimeUnit.MILLISECONDS)) {
                return true;
            }
            rethrowFailure();
            if (stopped.getCount() == 0) {
                return false;
            }
        }
        return false;
    }

    /** Records that could not be decoded as their topic's type; the job should never produce any. */
    public long undecodable() {
        return undecodable.get();
    }

    /** Throws the reader thread's failure, if it had one. */
    public void rethrowFailure() {
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("Reading the output topics failed: " + t.getMessage(), t);
        }
    }

    /** Stops the reader and closes its consumer; waits up to ten seconds for the thread. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            stopped.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
