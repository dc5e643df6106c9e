package io.intentstream.job.replay;

import io.intentstream.avro.Interaction;
import io.intentstream.job.demo.InteractionEvent;
import io.intentstream.job.source.InteractionRecord;

import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.local.LocalDataInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BenchmarkSequenceFormatTest {

    private static final String FILE = String.join("\n",
            "1 10 11 12 13 14",
            "2 20 21 22 23 24 25 26",
            "3 30 31 32 33 34",
            "4 40 41 42 43 44 45",
            "5 50 51 52 53 54") + "\n";

    @Test
    void givesExactlyTheEventsTheDemoReplays(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("bench.txt"), FILE);
        for (int activeUsers : new int[] {1, 2, 3, 64}) {
            List<InteractionEvent> expected = BenchmarkInterleaving.read(file, Integer.MAX_VALUE, activeUsers);
            List<InteractionRecord> records = readAll(new BenchmarkSequenceFormat("bench", activeUsers, 0), file);
            assertThat(records).allMatch(InteractionRecord::isValid);
            assertThat(records.stream().map(BenchmarkSequenceFormatTest::event).toList())
                    .as("active users " + activeUsers).isEqualTo(expected);
            assertThat(records).extracting(r -> r.offset).containsExactlyElementsOf(
                    java.util.stream.LongStream.range(0, expected.size()).boxed().toList());
        }
    }

    @Test
    void holdoutLeavesOutEachUsersLastTwoItemsAndKeepsTheirOrder(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("bench.txt"), FILE + "6 60 61 62\n");
        List<InteractionRecord> records = readAll(new BenchmarkSequenceFormat("bench", 3, 2), file);
        Map<String, List<String>> byUser = records.stream().collect(Collectors.groupingBy(
                r -> r.interaction.getUserId(), java.util.LinkedHashMap::new,
                Collectors.mapping(r -> r.interaction.getItemId(), Collectors.toList())));
        assertThat(byUser).containsExactly(
                Map.entry("u-1", List.of("item-10", "item-11", "item-12")),
                Map.entry("u-2", List.of("item-20", "item-21", "item-22", "item-23", "item-24")),
                Map.entry("u-3", List.of("item-30", "item-31", "item-32")),
                Map.entry("u-4", List.of("item-40", "item-41", "item-42", "item-43")),
                Map.entry("u-5", List.of("item-50", "item-51", "item-52")),
                Map.entry("u-6", List.of("item-60")));
        assertThat(records).extracting(r -> r.interaction.getEventTime().toEpochMilli()).isSorted();
    }

    @Test
    void aMalformedLineBecomesOneRejectedRecordAndTheRestIsReplayed(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("bench.txt"), "1 10 11\n2 x 21\n1 12 13\n3 30 31\n");
        List<InteractionRecord> records = readAll(new BenchmarkSequenceFormat("bench", 64, 0), file);
        List<InteractionRecord> rejected = records.stream().filter(r -> !r.isValid()).toList();
        assertThat(rejected).hasSize(2);
        assertThat(rejected.get(0).rejection).startsWith("UNDECODABLE").contains("line 2");
        assertThat(new String(rejected.get(0).payload)).isEqualTo("2 x 21");
        assertThat(rejected.get(1).rejection).contains("user 1 appears twice");
        assertThat(records.stream().filter(InteractionRecord::isValid).map(r -> r.interaction.getItemId()).toList())
                .containsExactlyInAnyOrder("item-10", "item-11", "item-30", "item-31");
    }

    @Test
    void avroFileRecordsComeInFileOrderWithTheirOwnEventTimes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("events.avro");
        List<Interaction> written = new ArrayList<>();
        try (DataFileWriter<Interaction> writer = new DataFileWriter<>(new SpecificDatumWriter<>(Interaction.class))) {
            writer.create(Interaction.getClassSchema(), file.toFile());
            for (int i = 0; i < 50; i++) {
                Interaction interaction = Interaction.newBuilder().setEventId("a-" + i).setUserId("u" + i % 7)
                        .setItemId("i" + i % 11).setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + 37L * i))
                        .build();
                written.add(interaction);
                writer.append(interaction);
            }
            writer.append(Interaction.newBuilder().setEventId("bad").setUserId(" ").setItemId("i1")
                    .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L)).build());
        }
        List<InteractionRecord> records = readAll(new AvroInteractionFormat("events"), file);
        assertThat(records).hasSize(51);
        assertThat(records.subList(0, 50)).extracting(r -> r.interaction).containsExactlyElementsOf(written);
        assertThat(records.get(50).isValid()).isFalse();
        assertThat(records.get(50).offset).isEqualTo(50);
        assertThat(records.get(50).rejection).startsWith("INVALID");
    }

    @Test
    void aHoldoutIsRefusedForAvroFiles() {
        assertThatThrownBy(() -> ReplaySources.file(Path.of("x.avro"), 4, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("benchmark file");
    }

    private static InteractionEvent event(InteractionRecord r) {
        return new InteractionEvent(r.interaction.getEventId().toString(), r.interaction.getUserId().toString(),
                r.interaction.getItemId().toString(), r.interaction.getEventTime().toEpochMilli());
    }

    private static List<InteractionRecord> readAll(StreamFormat<InteractionRecord> format, Path file)
            throws IOException {
        List<InteractionRecord> records = new ArrayList<>();
        try (StreamFormat.Reader<InteractionRecord> reader = format.createReader(new Configuration(),
                new LocalDataInputStream(file.toFile()), Files.size(file), Files.size(file))) {
            for (InteractionRecord r; (r = reader.read()) != null; ) {
                records.add(r);
            }
        }
        return records;
    }
}
