package io.intentstream.job.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.intentstream.job.cli.IntentStreamCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bench --scale-users} at 2k and 40k users: the user histories live in RocksDB, one key per user, so ten
 * times the users leaves the JVM heap (after a full GC) where it was while RocksDB's files and keys grow with them.
 */
class ScaleRunITCase {

    private static final int SMALL = 2_000;
    private static final int LARGE = 40_000;
    /**
     * Heap growth allowed per added user. The same histories on the heap (Flink's hashmap backend) cost far more: a
     * state-table entry, the user's key string, the TTL wrapper and long[] of the history, and a map of the user's
     * event ids with its entries: the same run with {@code --state.backend.type hashmap} grew the heap by 606 B per
     * added user, and on RocksDB by 39 B (docs/results.md, "Scale: users in RocksDB"). 100 B/user over 38k users
     * (3.6 MiB) leaves room for the noise of heap-after-GC readings of a MiniCluster, not for the state.
     */
    private static final double MAX_HEAP_BYTES_PER_ADDED_USER = 100;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void heapStaysFlatWhileRocksDbHoldsOneHistoryKeyPerUser(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("scale.json");
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        CommandLine cli = IntentStreamCli.commandLine();
        cli.setOut(new PrintWriter(stdout, true));
        cli.setErr(new PrintWriter(stderr, true));
        int exit = cli.execute("bench", "--out", out.toString(), "--scale-users", SMALL + "," + LARGE,
                "--events-per-user", "2", "--scale-items", "200", "--timeout", "PT2M",
                "--checkpointing.interval", "1 s", "--recommend.top-n", "5");
        assertThat(exit).as(stderr.toString()).isZero();
        JsonNode result = new ObjectMapper().readTree(out.toFile());
        JsonNode small = result.get("points").get(0);
        JsonNode large = result.get("points").get(1);
        assertThat(small.get("users").asInt()).isEqualTo(SMALL);
        assertThat(large.get("users").asInt()).isEqualTo(LARGE);
        assertThat(large.get("events").asLong()).isEqualTo(2L * LARGE);

        double heapGrowth = large.get("heap_after_gc_bytes").asDouble() - small.get("heap_after_gc_bytes").asDouble();
        assertThat(heapGrowth / (LARGE - SMALL)).as("heap growth per added user (bytes)")
                .isLessThan(MAX_HEAP_BYTES_PER_ADDED_USER);

        for (JsonNode point : result.get("points")) {
            int users = point.get("users").asInt();
            long events = point.get("events").asLong();
            // Every event id is one entry of the duplicate map, written once: RocksDB's count is exact.
            assertThat(point.get("seen_event_keys_estimate").asLong()).as("event-id keys at %d users", users)
                    .isEqualTo(events);
            // A user's history is one key written once per event; RocksDB keeps the last value when a flush or a
            // compaction sees both writes, and counts a key twice while they sit in different files (checkpoints
            // flush every second here). So the count lies between one per user and one per write, never more.
            assertThat(point.get("history_keys_estimate").asLong()).as("history keys at %d users", users)
                    .isBetween((long) users, events);
            assertThat(point.get("rocksdb_directory_bytes").asLong()).isPositive();
            assertThat(point.get("checkpoint_full_bytes").asLong()).isPositive();
        }
        assertThat(large.get("checkpoint_full_bytes").asDouble())
                .as("ten times the users, several times the checkpoint")
                .isGreaterThan(3 * small.get("checkpoint_full_bytes").asDouble());
    }
}
