package io.intentstream.job.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A seeded synthetic interaction stream with planted intents, so that what the job learns can be checked
 * against a known truth.
 *
 * <p>There are {@code intents} latent intents; intent {@code g} owns its own group of {@code itemsPerIntent}
 * items ({@code item-<g*itemsPerIntent>} .. {@code item-<(g+1)*itemsPerIntent-1>}), arranged in a ring. Every
 * user is drawn uniformly from one intent and walks that intent's ring: from the current item, the next item is
 * its successor on the ring with probability {@code successorProbability}, a uniformly random item of the same
 * group with probability {@code groupJumpProbability}, and otherwise a uniformly random item of the whole
 * catalogue (noise). A user's first item is a random item of their group.
 *
 * <p>Global order: event {@code i} belongs to a user drawn uniformly at random among all users, so users'
 * sequences are interleaved and each user gets about {@code events/users} events. Event {@code i} has event time
 * {@link #START_MILLIS} {@code + i *} {@link #EVENT_SPACING_MILLIS}: strictly increasing in stream order, so the
 * stream is in event-time order. Ids: users {@code u-<n>}, items {@code item-<n>}, events {@code e-<i>}.
 *
 * <p>The same parameters and seed always give the same stream.
 */
public final class PlantedIntentStream {

    /** 2024-01-01T00:00:00Z: a fixed origin keeps runs reproducible. */
    public static final long START_MILLIS = 1_704_067_200_000L;

    /** One event per second of event time. */
    public static final long EVENT_SPACING_MILLIS = 1_000L;

    private final Parameters parameters;
    private final List<InteractionEvent> events;
    private final Map<String, Integer> plantedIntents;

    /**
     * @param users number of users, at least 1
     * @param intents number of planted intents, at least 1
     * @param itemsPerIntent items in each intent's group, at least 2 (a ring of one item has no successor)
     * @param events length of the stream, at least 0
     * @param successorProbability chance that the next item is the current item's successor in its group
     * @param groupJumpProbability chance that the next item is a random item of the user's group
     * @param seed seeds every random choice
     */
    public record Parameters(
            int users,
            int intents,
            int itemsPerIntent,
            int events,
            double successorProbability,
            double groupJumpProbability,
            long seed) {

        public static final double DEFAULT_SUCCESSOR_PROBABILITY = 0.8;
        public static final double DEFAULT_GROUP_JUMP_PROBABILITY = 0.15;

        public Parameters {
            require(users >= 1, "users must be at least 1, got " + users);
            require(intents >= 1, "intents must be at least 1, got " + intents);
            require(itemsPerIntent >= 2, "itemsPerIntent must be at least 2, got " + itemsPerIntent);
            require(events >= 0, "events must not be negative, got " + events);
            require(successorProbability >= 0 && groupJumpProbability >= 0
                            && successorProbability + groupJumpProbability <= 1,
                    "successorProbability and groupJumpProbability must be >= 0 and sum to at most 1, got "
                            + successorProbability + " and " + groupJumpProbability);
            require((long) intents * itemsPerIntent <= Integer.MAX_VALUE,
                    "intents * itemsPerIntent is too large: " + intents + " * " + itemsPerIntent);
        }

        /** The default transition probabilities: 0.8 successor, 0.15 same group, 0.05 anywhere. */
        public static Parameters of(int users, int intents, int itemsPerIntent, int events, long seed) {
            return new Parameters(users, intents, itemsPerIntent, events,
                    DEFAULT_SUCCESSOR_PROBABILITY, DEFAULT_GROUP_JUMP_PROBABILITY, seed);
        }

        public int catalogueSize() {
            return intents * itemsPerIntent;
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }

    private PlantedIntentStream(Parameters parameters, List<InteractionEvent> events,
            Map<String, Integer> plantedIntents) {
        this.parameters = parameters;
        this.events = events;
        this.plantedIntents = plantedIntents;
    }

    public static PlantedIntentStream generate(Parameters p) {
        SplittableRandom random = new SplittableRandom(p.seed());
        int[] intentOfUser = new int[p.users()];
        // -1: the user has no event yet, so their first item is drawn at random from their group.
        int[] positionOfUser = new int[p.users()];
        Map<String, Integer> planted = new LinkedHashMap<>();
        for (int u = 0; u < p.users(); u++) {
            intentOfUser[u] = random.nextInt(p.intents());
            positionOfUser[u] = -1;
            planted.put(userId(u), intentOfUser[u]);
        }
        List<InteractionEvent> events = new ArrayList<>(p.events());
        for (int i = 0; i < p.events(); i++) {
            int u = random.nextInt(p.users());
            int group = intentOfUser[u];
            int item = nextItem(p, random, group, positionOfUser[u]);
            positionOfUser[u] = item;
            events.add(new InteractionEvent(
                    "e-" + i, userId(u), itemId(item), START_MILLIS + i * EVENT_SPACING_MILLIS));
        }
        return new PlantedIntentStream(p, Collections.unmodifiableList(events), Collections.unmodifiableMap(planted));
    }

    private static int nextItem(Parameters p, SplittableRandom random, int group, int current) {
        int groupStart = group * p.itemsPerIntent();
        if (current < 0) {
            return groupStart + random.nextInt(p.itemsPerIntent());
        }
        double draw = random.nextDouble();
        if (draw < p.successorProbability()) {
            // The current item may be noise from another group; the walk continues from the user's own ring.
            int offset = current >= groupStart && current < groupStart + p.itemsPerIntent()
                    ? current - groupStart
                    : random.nextInt(p.itemsPerIntent());
            return groupStart + (offset + 1) % p.itemsPerIntent();
        }
        if (draw < p.successorProbability() + p.groupJumpProbability()) {
            return groupStart + random.nextInt(p.itemsPerIntent());
        }
        return random.nextInt(p.catalogueSize());
    }

    public static String userId(int user) {
        return "u-" + user;
    }

    public static String itemId(int item) {
        return "item-" + item;
    }

    public Parameters parameters() {
        return parameters;
    }

    /** The stream in global event-time order. */
    public List<InteractionEvent> events() {
        return events;
    }

    /** Ground truth: the planted intent (0..intents-1) of every user, including users with no event. */
    public Map<String, Integer> plantedIntents() {
        return plantedIntents;
    }

    /** The planted intent that owns {@code itemId}'s group, or -1 for an id this stream never produces. */
    public int intentOfItem(String itemId) {
        if (!itemId.startsWith("item-")) {
            return -1;
        }
        try {
            int item = Integer.parseInt(itemId.substring("item-".length()));
            return item >= 0 && item < parameters.catalogueSize() ? item / parameters.itemsPerIntent() : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
