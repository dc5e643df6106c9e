package io.intentstream.job.report;

import io.intentstream.avro.IntentAssignment;
import io.intentstream.job.demo.AvroBinary;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A sample of the intents topic: which cluster each user was assigned, when. Gives the cluster size distribution
 * (users per cluster by their latest assignment) and the occupancy of the clusters over event time.
 *
 * @param assignments in the order read
 */
public record IntentSample(List<Assignment> assignments) {

    /** One intent record, reduced to what the report plots. */
    public record Assignment(String userId, long eventTimeMillis, int clusterId) {}

    /** Clusters in use and how evenly, in one slice of event time. */
    public record Occupancy(long fromMillis, long toMillis, int assignments, int clustersInUse,
            double normalisedEntropy) {}

    public IntentSample {
        assignments = List.copyOf(assignments);
    }

    /**
     * Reads up to {@code limit} committed intents from the beginning of {@code topic} (every partition, until its
     * end offset at the time of the call).
     *
     * @throws IllegalStateException if the topic does not exist or the end is not reached within {@code timeout}
     */
    public static IntentSample read(String bootstrapServers, String topic, int limit, Duration timeout) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<Assignment> assignments = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("Topic " + topic + " does not exist");
            }
            List<TopicPartition> partitions = infos.stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (assignments.size() < limit
                    && partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Could not read " + topic + " to its end within " + timeout);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (assignments.size() >= limit) {
                        break;
                    }
                    try {
                        IntentAssignment a = AvroBinary.decode(record.value(), IntentAssignment.class);
                        assignments.add(new Assignment(a.getUserId(), a.getEventTime().toEpochMilli(),
                                a.getClusterId()));
                    } catch (IllegalArgumentException undecodable) {
                        // Not an intent record: the sample is of intents, so it is left out.
                    }
                }
            }
        }
        return new IntentSample(assignments);
    }

    /** Users per cluster by each user's latest assignment (by event time), clusters without users left out. */
    public Map<Integer, Long> usersPerCluster() {
        Map<String, Assignment> latest = new HashMap<>();
        for (Assignment a : assignments) {
            latest.merge(a.userId(), a, (old, candidate) ->
                    candidate.eventTimeMillis() >= old.eventTimeMillis() ? candidate : old);
        }
        return new TreeMap<>(latest.values().stream()
                .collect(Collectors.groupingBy(Assignment::clusterId, Collectors.counting())));
    }

    /**
     * Occupancy in {@code slices} equal slices of the sample's event-time range: assignments, distinct clusters
     * assigned, and the entropy of the assignment distribution divided by log(clusters in use) (1 = even).
     */
    public List<Occupancy> occupancy(int slices) {
        if (slices < 1) {
            throw new IllegalArgumentException("slices must be at least 1, got " + slices);
        }
        if (assignments.isEmpty()) {
            return List.of();
        }
        long min = assignments.stream().mapToLong(Assignment::eventTimeMillis).min().orElseThrow();
        long max = assignments.stream().mapToLong(Assignment::eventTimeMillis).max().orElseThrow();
        double width = Math.max(1, max - min + 1) / (double) slices;
        List<Map<Integer, Integer>> counts = new ArrayList<>(Collections.nCopies(slices, null));
        for (Assignment a : assignments) {
            int slice = (int) Math.min(slices - 1, (a.eventTimeMillis() - min) / width);
            if (counts.get(slice) == null) {
                counts.set(slice, new HashMap<>());
            }
            counts.get(slice).merge(a.clusterId(), 1, Integer::sum);
        }
        List<Occupancy> result = new ArrayList<>();
        for (int s = 0; s < slices; s++) {
            Map<Integer, Integer> c = counts.get(s);
            if (c == null) {
                continue;
            }
            int total = c.values().stream().mapToInt(Integer::intValue).sum();
            double entropy = 0;
            for (int n : c.values()) {
                double p = n / (double) total;
                entropy -= p * Math.log(p);
            }
            double normalised = c.size() > 1 ? entropy / Math.log(c.size()) : 0;
            result.add(new Occupancy(min + (long) (s * width), min + (long) ((s + 1) * width), total, c.size(),
                    normalised));
        }
        return result;
    }
}
