package io.intentstream.job.replay;

import io.intentstream.avro.Interaction;
import io.intentstream.job.demo.AvroBinary;
import io.intentstream.job.demo.BenchmarkReplay;
import io.intentstream.job.demo.PlantedIntentStream;
import io.intentstream.job.source.InteractionRecord;
import io.intentstream.model.export.BenchmarkItems;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

/**
 * Reads a benchmark sequence file ({@code user item_1 ... item_n} per line, items in time order) lazily as the
 * interleaved event stream of {@link BenchmarkReplay}: at most {@code activeUsers} users at once, one item from each
 * in turn, a finished user's place taken by the next line. Event {@code i} is {@code e-i} at
 * {@link PlantedIntentStream#START_MILLIS} {@code + i *} {@link PlantedIntentStream#EVENT_SPACING_MILLIS}, users
 * are {@code u-<id>} and items {@code item-<id>} ({@link BenchmarkItems}), so a valid file gives exactly the
 * events that {@code BenchmarkReplay.read} gives (and the demo writes to Kafka), one user's items in their order.
 *
 * <p>With {@code heldOutPerUser} = 2 each user's last two items are left out: the validation and test targets of
 * the leave-one-out split, so that a replay trains on exactly the pairs offline {@code train} trains on.
 *
 * <p>A line that is not in the format (or repeats a user) is not fatal here, unlike in the demo: it becomes one
 * rejected record carrying the line, which the job sends to the dead letters; {@code offset} is its line number.
 * Memory: the active users' lines only.
 */
final class BenchmarkInterleaving {

    private final BufferedReader reader;
    private final String sourceName;
    private final int activeUsers;
    private final int heldOutPerUser;
    private final Deque<UserCursor> active;
    private final Set<String> seenUsers = new HashSet<>();
    private InteractionRecord pendingRejection;
    private long lineNumber;
    private long emitted;
    private boolean endOfFile;

    BenchmarkInterleaving(BufferedReader reader, String sourceName, int activeUsers, int heldOutPerUser) {
        if (activeUsers < 1) {
            throw new IllegalArgumentException("activeUsers must be at least 1, got " + activeUsers);
        }
        if (heldOutPerUser < 0) {
            throw new IllegalArgumentException("heldOutPerUser must not be negative, got " + heldOutPerUser);
        }
        this.reader = reader;
        this.sourceName = sourceName;
        this.activeUsers = activeUsers;
        this.heldOutPerUser = heldOutPerUser;
        this.active = new ArrayDeque<>(activeUsers);
    }

    /** The next record, or null at the end of the file. */
    InteractionRecord next() throws IOException {
        while (active.size() < activeUsers && !endOfFile) {
            UserCursor user = readUser();
            if (pendingRejection != null) {
                InteractionRecord rejected = pendingRejection;
                pendingRejection = null;
                return rejected;
            }
            if (user != null) {
                active.addLast(user);
            }
        }
        UserCursor user = active.pollFirst();
        if (user == null) {
            return null;
        }
        long i = emitted++;
        Interaction interaction = Interaction.newBuilder()
                .setEventId("e-" + i)
                .setUserId(user.userId)
                .setItemId(user.items[user.next++])
                .setEventTime(Instant.ofEpochMilli(
                        PlantedIntentStream.START_MILLIS + i * PlantedIntentStream.EVENT_SPACING_MILLIS))
                .build();
        if (user.next < user.items.length) {
            active.addLast(user);
        }
        return InteractionRecord.decoded(interaction, AvroBinary.encode(interaction), sourceName, 0, i);
    }

    /** The next user with at least one item to replay; null at the end of the file or with a rejection pending. */
    private UserCursor readUser() throws IOException {
        String line;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            String[] fields = line.trim().split(" +");
            String problem = null;
            for (String field : fields) {
                if (!isId(field)) {
                    problem = "expected 'user item...' with numeric ids, found '" + field + "'";
                    break;
                }
            }
            if (problem == null && !seenUsers.add(fields[0])) {
                problem = "user " + fields[0] + " appears twice";
            }
            if (problem != null) {
                pendingRejection = InteractionRecord.undecodable(line.getBytes(StandardCharsets.US_ASCII),
                        "line " + lineNumber + ": " + problem, sourceName, 0, lineNumber);
                return null;
            }
            int replayed = fields.length - 1 - heldOutPerUser;
            if (replayed < 1) {
                continue;
            }
            String[] items = new String[replayed];
            for (int i = 0; i < replayed; i++) {
                items[i] = BenchmarkItems.EXTERNAL_ID_PREFIX + fields[i + 1];
            }
            return new UserCursor("u-" + fields[0], items);
        }
        endOfFile = true;
        return null;
    }

    private static boolean isId(String field) {
        if (field.isEmpty() || field.length() > 18) {
            return false;
        }
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static final class UserCursor {
        final String userId;
        final String[] items;
        int next;

        UserCursor(String userId, String[] items) {
            this.userId = userId;
            this.items = items;
        }
    }
}
