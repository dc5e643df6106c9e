package io.intentstream.model.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.intentstream.model.SequenceBatch;
import io.intentstream.model.SequenceWindows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarkDatasetTest {

    /** T = 4 so that truncation to the last T is visible on short lines. */
    private static final int T = 4;

    @TempDir
    Path dir;

    private BenchmarkDataset data;

    @BeforeEach
    void writeSixUsers() throws IOException {
        Path file = dir.resolve("six.txt");
        Files.writeString(file, String.join("\n",
                "1 1 2 3 4 5",
                "2 6 7 8 9 10 11 12 13",
                "3 3 5 7",
                "4 2 4 6 8",
                "5 13 12 11 10 9 8 7 6 5 4",
                "6 1 13 2 12 3") + "\n");
        data = BenchmarkDataset.read(file);
    }

    @Test
    void countsUsersItemsAndInteractions() {
        assertThat(data.userCount()).isEqualTo(6);
        assertThat(data.itemCount()).isEqualTo(13);
        assertThat(data.interactionCount()).isEqualTo(5 + 8 + 3 + 4 + 10 + 5);
        // The user with only 3 items has an empty training input.
        assertThat(data.trainingUserCount()).isEqualTo(5);
    }

    @Test
    void trainingSamplesAreAllButLastThreeWithShiftedTargetsLeftPaddedToLastT() {
        assertThat(data.trainingInput(0, T)).containsExactly(0, 0, 1, 2);
        assertThat(data.trainingTargets(0, T)).containsExactly(0, 0, 2, 3);
        assertThat(data.trainingInput(1, T)).containsExactly(7, 8, 9, 10);
        assertThat(data.trainingTargets(1, T)).containsExactly(8, 9, 10, 11);
        assertThat(data.trainingInput(3, T)).containsExactly(0, 0, 0, 2);
        assertThat(data.trainingTargets(3, T)).containsExactly(0, 0, 0, 4);
        assertThat(data.trainingInput(4, T)).containsExactly(10, 9, 8, 7);
        assertThat(data.trainingTargets(4, T)).containsExactly(9, 8, 7, 6);
        assertThat(data.trainingInput(5, T)).containsExactly(0, 0, 1, 13);
        assertThat(data.trainingTargets(5, T)).containsExactly(0, 0, 13, 2);
        assertThat(data.trainingInputs(T)).isDeepEqualTo(new int[][] {{0, 0, 1, 2}, {7, 8, 9, 10}, {0, 0, 0, 2}, {10, 9, 8, 7},
                {0, 0, 1, 13}});
    }

    @Test
    void validationHoldsOutSecondToLastAndMasksWholeInputHistory() {
        EvaluationSplit valid = data.validationSplit(T);
        assertThat(valid.name()).isEqualTo("valid");
        assertThat(valid.inputs()).isDeepEqualTo(new int[][] {{0, 1, 2, 3}, {8, 9, 10, 11}, {0, 0, 0, 3}, {0, 0, 2, 4},
                {9, 8, 7, 6}, {0, 1, 13, 2}});
        assertThat(valid.targets()).containsExactly(4, 12, 5, 6, 5, 12);
        assertThat(valid.histories()[1]).containsExactly(6, 7, 8, 9, 10, 11);
        assertThat(valid.histories()[4]).containsExactly(13, 12, 11, 10, 9, 8, 7, 6);
        assertThat(valid.histories()[2]).containsExactly(3);
    }

    @Test
    void testHoldsOutLastItem() {
        EvaluationSplit test = data.testSplit(T);
        assertThat(test.name()).isEqualTo("test");
        assertThat(test.inputs()).isDeepEqualTo(new int[][] {{1, 2, 3, 4}, {9, 10, 11, 12}, {0, 0, 3, 5}, {0, 2, 4, 6},
                {8, 7, 6, 5}, {1, 13, 2, 12}});
        assertThat(test.targets()).containsExactly(5, 13, 7, 8, 4, 3);
        assertThat(test.histories()[1]).containsExactly(6, 7, 8, 9, 10, 11, 12);
        assertThat(test.histories()[5]).containsExactly(1, 13, 2, 12);
    }

    @Test
    void trainingEpochCoversEveryTrainingUserOnceInSeededShuffledBatches() {
        List<SequenceBatch> epoch = data.trainingEpoch(new Random(7), 2, T);
        assertThat(epoch).extracting(SequenceBatch::size).containsExactly(2, 2, 1);
        assertThat(epoch).allSatisfy(b -> assertThat(b.liveItemRows()).isEqualTo(13));

        assertThat(inputToTargets(epoch)).containsExactlyInAnyOrderElementsOf(lastWindowsOfTrainingUsers());

        List<SequenceBatch> again = data.trainingEpoch(new Random(7), 2, T);
        assertThat(again).usingRecursiveFieldByFieldElementComparator().isEqualTo(epoch);
    }

    @Test
    void allWindowsTrainEveryTargetOnceWithItsOwnHistoryBeforeIt() {
        List<SequenceBatch> epoch = data.trainingEpoch(new Random(7), 2, T, ContrastPositives.AUGMENTED,
                TrainingWindows.ALL);
        // Users 2 and 5 have 5 and 7 training targets, more than T: each adds the window before its last one,
        // which ends where the last begins. The others have their last window only, as under LAST.
        List<String> expected = lastWindowsOfTrainingUsers();
        expected.add("[0, 0, 0, 6]->[0, 0, 0, 7]");
        expected.add("[0, 13, 12, 11]->[0, 12, 11, 10]");
        assertThat(inputToTargets(epoch)).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(data.trainingWindowCount(TrainingWindows.ALL, T)).isEqualTo(7);
        assertThat(data.trainingWindowCount(TrainingWindows.LAST, T)).isEqualTo(5);

        // Every target s[1:-2] of every user, once: the multiset of an epoch's targets is that of the data's.
        List<Integer> targets = new ArrayList<>();
        epoch.forEach(b -> Arrays.stream(b.targets()).flatMapToInt(Arrays::stream).filter(t -> t != 0)
                .forEach(targets::add));
        List<Integer> expectedTargets = new ArrayList<>();
        for (int u = 0; u < data.userCount(); u++) {
            int[] s = data.items(u);
            for (int i = 1; i < s.length - 2; i++) {
                expectedTargets.add(s[i]);
            }
        }
        assertThat(targets).containsExactlyInAnyOrderElementsOf(expectedTargets);
    }

    @Test
    void allWindowsShuffleAsLastWhenNoUserHasMoreThanTTargets() {
        int window = 7; // the longest user has 7 training targets
        for (int seed = 0; seed < 5; seed++) {
            assertThat(data.trainingEpoch(new Random(seed), 2, window, ContrastPositives.AUGMENTED,
                            TrainingWindows.ALL))
                    .usingRecursiveFieldByFieldElementComparator()
                    .isEqualTo(data.trainingEpoch(new Random(seed), 2, window));
        }
    }

    @Test
    void earlierWindowsKeepTheAugmentationsUnderSameTargetPositives() {
        // Both users' last windows lead to item 9, and so does user 1's earlier window (input 1, 2): positives pair
        // last windows only, since the partners are grouped by the users' last training targets.
        BenchmarkDataset shared = BenchmarkDataset.of("shared", List.of(
                new int[] {3, 2, 9, 4, 5}, new int[] {1, 2, 9, 4, 5, 6, 9, 7, 8}));
        String earlierInput = Arrays.toString(new int[] {0, 0, 1, 2});
        for (int epoch = 0; epoch < 5; epoch++) {
            List<String> rows = new ArrayList<>();
            for (SequenceBatch batch : shared.trainingEpoch(new Random(epoch), 8, T, ContrastPositives.SAME_TARGET,
                    TrainingWindows.ALL)) {
                for (int row = 0; row < batch.size(); row++) {
                    int[] positive = batch.positives()[row];
                    rows.add(Arrays.toString(batch.inputs()[row]) + "~"
                            + (positive == null ? "none" : Arrays.toString(positive)));
                }
            }
            assertThat(rows).containsExactlyInAnyOrder(
                    Arrays.toString(shared.trainingInput(0, T)) + "~" + Arrays.toString(shared.trainingInput(1, T)),
                    Arrays.toString(shared.trainingInput(1, T)) + "~" + Arrays.toString(shared.trainingInput(0, T)),
                    earlierInput + "~none");
        }
    }

    @Test
    void sameTargetPositivesPairEachSequenceWithAnotherUsersThatLeadsToTheSameItem() {
        // Last training targets s[-3]: users 0-2 lead to item 9, users 3-4 to item 3, user 5 alone to item 4.
        BenchmarkDataset shared = BenchmarkDataset.of("shared", List.of(
                new int[] {1, 2, 9, 4, 5}, new int[] {3, 9, 6, 7}, new int[] {5, 6, 9, 8, 1},
                new int[] {2, 3, 4, 5}, new int[] {7, 3, 1, 2}, new int[] {8, 6, 4, 2, 1}));
        Map<String, Integer> userOfInput = new HashMap<>();
        for (int u = 0; u < 6; u++) {
            userOfInput.put(Arrays.toString(shared.trainingInput(u, T)), u);
        }
        Map<Integer, Set<Integer>> partnersSeen = new HashMap<>();
        for (int epoch = 0; epoch < 20; epoch++) {
            List<SequenceBatch> batches = shared.trainingEpoch(new Random(epoch), 4, T, ContrastPositives.SAME_TARGET,
                    TrainingWindows.LAST);
            List<SequenceBatch> augmented = shared.trainingEpoch(new Random(epoch), 4, T);
            for (int i = 0; i < batches.size(); i++) {
                SequenceBatch batch = batches.get(i);
                // The positives are drawn after the shuffle: the batches are those of the augmented epoch.
                assertThat(batch.inputs()).isDeepEqualTo(augmented.get(i).inputs());
                assertThat(augmented.get(i).positives()).isNull();
                for (int row = 0; row < batch.size(); row++) {
                    int user = userOfInput.get(Arrays.toString(batch.inputs()[row]));
                    int[] positive = batch.positives()[row];
                    if (user == 5) {
                        assertThat(positive).isNull();
                        continue;
                    }
                    int partner = userOfInput.get(Arrays.toString(positive));
                    assertThat(partner).isNotEqualTo(user);
                    assertThat(partner < 3).isEqualTo(user < 3);
                    partnersSeen.computeIfAbsent(user, u -> new TreeSet<>()).add(partner);
                }
            }
        }
        assertThat(partnersSeen).containsEntry(0, Set.of(1, 2)).containsEntry(1, Set.of(0, 2))
                .containsEntry(2, Set.of(0, 1)).containsEntry(3, Set.of(4)).containsEntry(4, Set.of(3));
    }

    @Test
    void successiveEpochsOfOneGeneratorVisitUsersInDifferentOrders() {
        BenchmarkDataset many = BenchmarkDataset.of("many", java.util.stream.IntStream.range(0, 50)
                .mapToObj(u -> new int[] {u + 1, u + 2, u + 3, u + 4, u + 5}).toList());
        Random rng = new Random(1);
        int[][] firstEpoch = many.trainingEpoch(rng, 50, T).get(0).inputs();
        int[][] secondEpoch = many.trainingEpoch(rng, 50, T).get(0).inputs();
        assertThat(secondEpoch).isNotEqualTo(firstEpoch);
        assertThat(Arrays.stream(secondEpoch).map(Arrays::toString))
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(firstEpoch).map(Arrays::toString).toList());
    }

    @Test
    void readsTheRealBeautyFileWithItsPublishedCounts() throws IOException {
        // The benchmark data lives beside the clone (../shared/data), never in the repository.
        Path beauty = Path.of("..", "..", "shared", "data", "Beauty.txt").toAbsolutePath().normalize();
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(beauty), "benchmark data not present at " + beauty);
        BenchmarkDataset b = BenchmarkDataset.read(beauty);
        assertThat(b.userCount()).isEqualTo(22_363);
        assertThat(b.itemCount()).isEqualTo(12_101);
        assertThat(b.interactionCount()).isEqualTo(198_502);
        assertThat(b.trainingUserCount()).isEqualTo(22_363);
    }

    @Test
    void missingFileIsReportedAsNoSuchFile() {
        assertThatThrownBy(() -> BenchmarkDataset.read(dir.resolve("absent.txt")))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void malformedLinesAreRejectedWithTheirLineNumber() throws IOException {
        Path notNumbers = dir.resolve("bad.txt");
        Files.writeString(notNumbers, "1 1 2 3\n2 4 five 6\n");
        assertThatThrownBy(() -> BenchmarkDataset.read(notNumbers))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("'five' is not an integer");

        Path tooShort = dir.resolve("short.txt");
        Files.writeString(tooShort, "1 1 2\n");
        assertThatThrownBy(() -> BenchmarkDataset.read(tooShort))
                .hasMessageContaining("line 1")
                .hasMessageContaining("at least 3 items");

        Path zeroItem = dir.resolve("zero.txt");
        Files.writeString(zeroItem, "1 1 0 3\n");
        assertThatThrownBy(() -> BenchmarkDataset.read(zeroItem)).hasMessageContaining("item id 0 must be at least 1");

        Path duplicate = dir.resolve("dup.txt");
        Files.writeString(duplicate, "1 1 2 3\n1 4 5 6\n");
        assertThatThrownBy(() -> BenchmarkDataset.read(duplicate)).hasMessageContaining("user 1 appears on more than one line");

        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "\n");
        assertThatThrownBy(() -> BenchmarkDataset.read(empty)).hasMessageContaining("holds no users");
    }

    @Test
    void windowKeepsTheLastItemsAndPadsOnTheLeft() {
        int[] items = {1, 2, 3, 4, 5, 6};
        assertThat(SequenceWindows.lastWindow(items, 0, 6, 3)).containsExactly(4, 5, 6);
        assertThat(SequenceWindows.lastWindow(items, 1, 3, 4)).containsExactly(0, 0, 2, 3);
        assertThat(SequenceWindows.lastWindow(items, 0, 0, 2)).containsExactly(0, 0);
    }

    /** Each row of {@code epoch} as "input->targets". */
    private static List<String> inputToTargets(List<SequenceBatch> epoch) {
        List<String> rows = new ArrayList<>();
        for (SequenceBatch b : epoch) {
            for (int i = 0; i < b.size(); i++) {
                rows.add(Arrays.toString(b.inputs()[i]) + "->" + Arrays.toString(b.targets()[i]));
            }
        }
        return rows;
    }

    /** The last window of each of the six users' five training users, as {@link #inputToTargets} writes a row. */
    private List<String> lastWindowsOfTrainingUsers() {
        List<String> rows = new ArrayList<>();
        for (int u : new int[] {0, 1, 3, 4, 5}) {
            rows.add(Arrays.toString(data.trainingInput(u, T)) + "->" + Arrays.toString(data.trainingTargets(u, T)));
        }
        return rows;
    }
}
