package io.intentstream.job.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Replays a file in the benchmark format of {@code ../shared/data} (one user per line: {@code user item_1 ...
 * item_n}, items in time order) as one interleaved event stream.
 *
 * <p>Global order: users enter in file order and at most {@code activeUsers} are active at once; the stream takes
 * one item from each active user in turn (round-robin), and a user who has no item left leaves and the next user
 * of the file takes the free place. So every user's items keep their order, users overlap in time like real
 * traffic, and the first N events hold whole histories of the first users rather than the first item of N users.
 * Event {@code i} gets event time {@link PlantedIntentStream#START_MILLIS} {@code + i *}
 * {@link PlantedIntentStream#EVENT_SPACING_MILLIS}. Ids: {@code u-<user>}, {@code item-<item>}, {@code e-<i>}.
 */
public final class BenchmarkReplay {

    /** A few dozen concurrently active users: enough interleaving for mini-batches of many users. */
    public static final int DEFAULT_ACTIVE_USERS = 64;

    private BenchmarkReplay() {}

    /**
     * Reads {@code file} and returns at most {@code maxEvents} events in the order described above.
     *
     * @throws IllegalArgumentException naming the file and line when a line is not in the benchmark format
     */
    public static List<InteractionEvent> read(Path file, int maxEvents, int activeUsers) {
        if (maxEvents < 0) {
            throw new IllegalArgumentException("maxEvents must not be negative, got " + maxEvents);
        }
        if (activeUsers < 1) {
            throw new IllegalArgumentException("activeUsers must be at least 1, got " + activeUsers);
        }
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            return interleave(new LineSource(file, reader), maxEvents, activeUsers);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read benchmark file " + file, e);
        }
    }

    private static List<InteractionEvent> interleave(LineSource lines, int maxEvents, int activeUsers)
            throws IOException {
        List<InteractionEvent> events = new ArrayList<>(Math.min(maxEvents, 1 << 20));
        Deque<UserCursor> active = new ArrayDeque<>(activeUsers);
        while (events.size() < maxEvents) {
            while (active.size() < activeUsers) {
                UserCursor next = lines.nextUser();
                if (next == null) {
                    break;
                }
                active.addLast(next);
            }
            UserCursor user = active.pollFirst();
            if (user == null) {
                break;
            }
            int i = events.size();
            events.add(new InteractionEvent("e-" + i, user.userId, user.items[user.next++],
                    PlantedIntentStream.START_MILLIS + i * PlantedIntentStream.EVENT_SPACING_MILLIS));
            if (user.next < user.items.length) {
                active.addLast(user);
            }
        }
        return Collections.unmodifiableList(events);
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

    private static final class LineSource {
        private final Path file;
        private final BufferedReader reader;
        private final Set<String> seenUsers = new HashSet<>();
        private int lineNumber;

        LineSource(Path file, BufferedReader reader) {
            this.file = file;
            this.reader = reader;
        }

        /** The next user with at least one item, or null at the end of the file. */
        UserCursor nextUser() throws IOException {
            String line;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String[] fields = line.trim().split(" +");
                for (String field : fields) {
                    if (!isId(field)) {
                        throw new IllegalArgumentException(file + " line " + lineNumber
                                + ": expected 'user item...' with numeric ids, found '" + field + "'");
                    }
                }
                if (!seenUsers.add(fields[0])) {
                    throw new IllegalArgumentException(
                            file + " line " + lineNumber + ": user " + fields[0] + " appears twice");
                }
                if (fields.length < 2) {
                    continue;
                }
                String[] items = new String[fields.length - 1];
                for (int i = 1; i < fields.length; i++) {
                    items[i - 1] = "item-" + fields[i];
                }
                return new UserCursor("u-" + fields[0], items);
            }
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
    }
}
