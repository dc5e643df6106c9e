package io.intentstream.model.offline;

import io.intentstream.model.SequenceBatch;
import io.intentstream.model.SequenceWindows;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A sequential-recommendation benchmark (../shared/data/README.md): one line per user, {@code user item1 item2 ...},
 * items in time order, item ids dense from 1. Splits it leave-one-out exactly as the reference code does (spec §6).
 *
 * <p>Per user with items {@code s}: training input {@code s[:-3]} with per-position targets {@code s[1:-2]},
 * validation input {@code s[:-2]} with target {@code s[-2]}, test input {@code s[:-1]} with target {@code s[-1]}.
 * Every model input is the last T items, left-padded with 0.
 */
public final class BenchmarkDataset {

    /** Fewer than 3 items leave no validation input; the benchmarks are 5-core, so this only rejects broken files. */
    public static final int MIN_ITEMS_PER_USER = 3;

    private final String source;
    private final int[][] sequences;
    private final int itemCount;
    private final int[] trainingUsers;
    private final SameTargetUsers sameTargetUsers;

    private BenchmarkDataset(String source, int[][] sequences) {
        if (sequences.length == 0) {
            throw new IllegalArgumentException(source + " holds no users");
        }
        this.source = source;
        this.sequences = sequences;
        int max = 0;
        for (int[] items : sequences) {
            for (int item : items) {
                max = Math.max(max, item);
            }
        }
        this.itemCount = max;
        // A user with exactly 3 items has an empty training input and no training target.
        this.trainingUsers = java.util.stream.IntStream.range(0, sequences.length)
                .filter(u -> sequences[u].length > MIN_ITEMS_PER_USER)
                .toArray();
        this.sameTargetUsers = groupByLastTrainingTarget(sequences, trainingUsers);
    }

    /**
     * Reads a benchmark file.
     *
     * @throws java.nio.file.NoSuchFileException when {@code file} does not exist
     * @throws IllegalArgumentException naming the line when the content is not in the benchmark format
     */
    public static BenchmarkDataset read(Path file) throws IOException {
        List<int[]> sequences = new ArrayList<>();
        Set<String> users = new HashSet<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String[] fields = line.trim().split("\\s+");
                String where = file + " line " + lineNumber;
                if (fields.length < 1 + MIN_ITEMS_PER_USER) {
                    throw new IllegalArgumentException(where + ": expected 'user item1 item2 ...' with at least "
                            + MIN_ITEMS_PER_USER + " items, got " + (fields.length - 1));
                }
                parsePositive(fields[0], where, "user id");
                if (!users.add(fields[0])) {
                    throw new IllegalArgumentException(where + ": user " + fields[0] + " appears on more than one line");
                }
                int[] items = new int[fields.length - 1];
                for (int i = 1; i < fields.length; i++) {
                    items[i - 1] = parsePositive(fields[i], where, "item id");
                }
                sequences.add(items);
            }
        }
        return new BenchmarkDataset(file.toString(), sequences.toArray(int[][]::new));
    }

    /** A dataset from sequences already in memory (item ids from 1, time order), for tests and generators. */
    public static BenchmarkDataset of(String name, List<int[]> sequences) {
        for (int u = 0; u < sequences.size(); u++) {
            int[] items = sequences.get(u);
            if (items.length < MIN_ITEMS_PER_USER) {
                throw new IllegalArgumentException("user index " + u + " has " + items.length
                        + " items, at least " + MIN_ITEMS_PER_USER + " are needed");
            }
            for (int item : items) {
                if (item < 1) {
                    throw new IllegalArgumentException("user index " + u + " has item id " + item + "; ids start at 1");
                }
            }
        }
        return new BenchmarkDataset(name, sequences.stream().map(int[]::clone).toArray(int[][]::new));
    }

    private static int parsePositive(String field, String where, String what) {
        int value;
        try {
            value = Integer.parseInt(field);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": " + what + " '" + field + "' is not an integer");
        }
        if (value < 1) {
            throw new IllegalArgumentException(where + ": " + what + " " + value + " must be at least 1");
        }
        return value;
    }

    /** Where the data came from (a path, or a name for in-memory data). */
    public String source() {
        return source;
    }

    public int userCount() {
        return sequences.length;
    }

    /** The largest item id; model tables have {@code itemCount + 2} rows. */
    public int itemCount() {
        return itemCount;
    }

    public long interactionCount() {
        return Arrays.stream(sequences).mapToLong(s -> s.length).sum();
    }

    /** A copy of the items of the user at {@code userIndex} (0-based, file order). */
    public int[] items(int userIndex) {
        return sequences[userIndex].clone();
    }

    /** The users (0-based indices) that have a training sample, i.e. more than 3 items. */
    public int trainingUserCount() {
        return trainingUsers.length;
    }

    /** The training input of one user: {@code s[:-3]}, last T, left-padded. */
    public int[] trainingInput(int userIndex, int maxLength) {
        return input(lastWindow(userIndex), maxLength);
    }

    /** The per-position training targets of one user: {@code s[1:-2]}, aligned with {@link #trainingInput}. */
    public int[] trainingTargets(int userIndex, int maxLength) {
        return targets(lastWindow(userIndex), maxLength);
    }

    /** Every training input in file order: what k-means initialises the centres from. */
    public int[][] trainingInputs(int maxLength) {
        int[][] inputs = new int[trainingUsers.length][];
        for (int i = 0; i < trainingUsers.length; i++) {
            inputs[i] = trainingInput(trainingUsers[i], maxLength);
        }
        return inputs;
    }

    /**
     * One epoch of training batches: the training users shuffled by {@code rng}, cut into batches of
     * {@code batchSize} (the last one may be smaller, as in the reference's data loader).
     */
    public List<SequenceBatch> trainingEpoch(Random rng, int batchSize, int maxLength) {
        return trainingEpoch(rng, batchSize, maxLength, ContrastPositives.AUGMENTED, TrainingWindows.LAST);
    }

    /**
     * {@link #trainingEpoch(Random, int, int)} with {@code positives} and {@code windows}.
     *
     * <p>{@link TrainingWindows#ALL} adds, for every user with more than {@code maxLength} training targets, the
     * windows before the last one (each ending where the next begins) to the samples that are shuffled; with
     * {@link TrainingWindows#LAST} the shuffle draws exactly what it drew before windows were a setting, so earlier
     * runs replay bit for bit.
     *
     * <p>For {@link ContrastPositives#SAME_TARGET} every last window whose last target is also another training
     * user's gets the training input of one such user, drawn uniformly by {@code rng} after the shuffle (so the
     * shuffle does not depend on the choice); earlier windows keep the augmentations.
     */
    public List<SequenceBatch> trainingEpoch(Random rng, int batchSize, int maxLength, ContrastPositives positives,
            TrainingWindows windows) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        Window[] order = trainingWindows(windows, maxLength);
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            Window swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        SameTargetUsers sameTarget = positives == ContrastPositives.SAME_TARGET ? sameTargetUsers : null;
        List<SequenceBatch> batches = new ArrayList<>((order.length + batchSize - 1) / batchSize);
        for (int start = 0; start < order.length; start += batchSize) {
            int size = Math.min(batchSize, order.length - start);
            int[][] inputs = new int[size][];
            int[][] targets = new int[size][];
            int[][] partners = sameTarget == null ? null : new int[size][];
            for (int b = 0; b < size; b++) {
                Window window = order[start + b];
                inputs[b] = input(window, maxLength);
                targets[b] = targets(window, maxLength);
                if (sameTarget != null) {
                    boolean last = window.equals(lastWindow(window.user()));
                    int partner = last ? sameTarget.partner(window.user(), rng) : -1;
                    partners[b] = partner < 0 ? null : trainingInput(partner, maxLength);
                }
            }
            batches.add(new SequenceBatch(inputs, targets, itemCount, partners));
        }
        return batches;
    }

    /** How many samples an epoch of {@link #trainingEpoch} has: one per training user, more under ALL. */
    public int trainingWindowCount(TrainingWindows windows, int maxLength) {
        return trainingWindows(windows, maxLength).length;
    }

    /**
     * The epoch's samples before the shuffle: the training users' last windows in file order, then, under
     * {@link TrainingWindows#ALL}, the earlier windows.
     */
    private Window[] trainingWindows(TrainingWindows windows, int maxLength) {
        List<Window> earlier = new ArrayList<>();
        if (windows == TrainingWindows.ALL) {
            for (int u : trainingUsers) {
                // Input s[:end] predicts s[1:end+1]; its window's first target is s[end - T + 1], so the window
                // before ends T items earlier. Input s[:1] is the first with a target.
                for (int end = lastWindow(u).end() - maxLength; end >= 1; end -= maxLength) {
                    earlier.add(new Window(u, end));
                }
            }
        }
        Window[] samples = new Window[trainingUsers.length + earlier.size()];
        for (int i = 0; i < trainingUsers.length; i++) {
            samples[i] = lastWindow(trainingUsers[i]);
        }
        for (int i = 0; i < earlier.size(); i++) {
            samples[trainingUsers.length + i] = earlier.get(i);
        }
        return samples;
    }

    /** One training sample: the input {@code s[:end]} of the user at {@code user}, and its targets {@code s[1:end+1]}. */
    private record Window(int user, int end) {}

    /** The user's last training window: input {@code s[:-3]}, targets {@code s[1:-2]}. */
    private Window lastWindow(int user) {
        return new Window(user, sequences[user].length - 3);
    }

    private int[] input(Window window, int maxLength) {
        return SequenceWindows.lastWindow(sequences[window.user()], 0, window.end(), maxLength);
    }

    private int[] targets(Window window, int maxLength) {
        return SequenceWindows.lastWindow(sequences[window.user()], 1, window.end() + 1, maxLength);
    }

    /** The training users grouped by their last training target {@code s[-3]}. */
    private static SameTargetUsers groupByLastTrainingTarget(int[][] sequences, int[] trainingUsers) {
        int[] lastTargets = new int[sequences.length];
        for (int u : trainingUsers) {
            lastTargets[u] = sequences[u][sequences[u].length - 3];
        }
        return new SameTargetUsers(trainingUsers, lastTargets);
    }

    /** Validation: input {@code s[:-2]}, target {@code s[-2]}. */
    public EvaluationSplit validationSplit(int maxLength) {
        return evaluationSplit("valid", 2, maxLength);
    }

    /** Test: input {@code s[:-1]}, target {@code s[-1]}. */
    public EvaluationSplit testSplit(int maxLength) {
        return evaluationSplit("test", 1, maxLength);
    }

    private EvaluationSplit evaluationSplit(String name, int heldOutFromEnd, int maxLength) {
        int users = sequences.length;
        int[][] inputs = new int[users][];
        int[] targets = new int[users];
        int[][] histories = new int[users][];
        for (int u = 0; u < users; u++) {
            int[] s = sequences[u];
            int end = s.length - heldOutFromEnd;
            inputs[u] = SequenceWindows.lastWindow(s, 0, end, maxLength);
            targets[u] = s[end];
            histories[u] = Arrays.copyOfRange(s, 0, end);
        }
        return new EvaluationSplit(name, inputs, targets, histories);
    }

}
