package io.intentstream.model.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.SequenceWindows;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class AugmentationsTest {

    private final Augmentations augmentations = Augmentations.from(ElcRecConfig.builder(1000).build());

    private static int[] oneTo(int n) {
        return IntStream.rangeClosed(1, n).toArray();
    }

    @Test
    void cropKeepsAContiguousSliceOfFloorRateTimesLengthInOrder() {
        int[] items = oneTo(20);
        boolean[] startSeen = new boolean[17];
        for (int seed = 0; seed < 300; seed++) {
            int[] crop = augmentations.crop(items, new SplittableRandom(seed));
            assertThat(crop).hasSize(4); // int(0.2 * 20)
            int start = crop[0] - 1;
            assertThat(crop).containsExactly(Arrays.copyOfRange(items, start, start + 4));
            startSeen[start] = true;
        }
        // every start 0..16 is possible, including the window that ends at the most recent item
        assertThat(startSeen).containsOnly(true);
    }

    @Test
    void cropKeepsAtLeastOneItem() {
        int[] crop = augmentations.crop(new int[] {7, 8, 9}, new SplittableRandom(3)); // int(0.2 * 3) = 0
        assertThat(crop).hasSize(1);
        assertThat(crop[0]).isIn(7, 8, 9);
        assertThat(augmentations.crop(new int[0], new SplittableRandom(3))).isEmpty();
    }

    @Test
    void maskZeroesExactlyFloorRateTimesLengthPositionsAndKeepsTheRest() {
        for (int[] lengthAndMasked : new int[][] {{10, 7}, {5, 3}, {1, 0}, {20, 14}}) {
            int[] items = oneTo(lengthAndMasked[0]);
            for (int seed = 0; seed < 50; seed++) {
                int[] masked = augmentations.mask(items, new SplittableRandom(seed));
                assertThat(masked).hasSameSizeAs(items);
                int zeros = 0;
                for (int i = 0; i < items.length; i++) {
                    if (masked[i] == 0) {
                        zeros++;
                    } else {
                        assertThat(masked[i]).isEqualTo(items[i]);
                    }
                }
                assertThat(zeros).as("masked of %d", items.length).isEqualTo(lengthAndMasked[1]);
            }
        }
        assertThat(oneTo(10)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10); // input untouched
    }

    @Test
    void reorderKeepsTheMultisetAndPermutesOnlyOneWindow() {
        int[] items = oneTo(20);
        boolean someChanged = false;
        for (int seed = 0; seed < 200; seed++) {
            int[] reordered = augmentations.reorder(items, new SplittableRandom(seed));
            assertThat(reordered).containsExactlyInAnyOrder(items);
            int firstDiff = -1;
            int lastDiff = -1;
            for (int i = 0; i < items.length; i++) {
                if (reordered[i] != items[i]) {
                    firstDiff = firstDiff < 0 ? i : firstDiff;
                    lastDiff = i;
                }
            }
            if (firstDiff >= 0) {
                someChanged = true;
                assertThat(lastDiff - firstDiff).isLessThan(4); // window of int(0.2 * 20) = 4
            }
        }
        assertThat(someChanged).isTrue();
    }

    @Test
    void viewsAreTheAugmentedItemsLeftPaddedToTheRowLength() {
        int[][] rows = {{0, 0, 0, 0, 0, 0, 3, 4, 5, 6}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}};
        Augmentations.ViewPair views = augmentations.twoViews(rows, new SplittableRandom(11));
        // the same draws, one row after the other, first view before second
        SplittableRandom replay = new SplittableRandom(11);
        for (int b = 0; b < rows.length; b++) {
            int[] items = Augmentations.items(rows[b]);
            int[] expectedFirst = augmentations.augment(items, replay);
            int[] expectedSecond = augmentations.augment(items, replay);
            for (int[] view : new int[][] {views.first()[b], views.second()[b]}) {
                assertThat(view).hasSize(10);
                // left padding covers at least the original padding: augmentation never lengthens a row
                assertThat(Arrays.stream(view, 0, 10 - items.length).filter(v -> v != 0)).isEmpty();
            }
            assertThat(views.first()[b]).containsExactly(SequenceWindows.leftPad(expectedFirst, 10));
            assertThat(views.second()[b]).containsExactly(SequenceWindows.leftPad(expectedSecond, 10));
        }
        assertThat(SequenceWindows.leftPad(new int[] {7}, 4)).containsExactly(0, 0, 0, 7);
    }

    @Test
    void viewsAreReproducibleWithTheSameSeedAndDifferWithAnother() {
        int[][] rows = new int[8][];
        for (int b = 0; b < rows.length; b++) {
            rows[b] = SequenceWindows.leftPad(oneTo(10 + b), 50);
        }
        Augmentations.ViewPair a = augmentations.twoViews(rows, new SplittableRandom(42));
        Augmentations.ViewPair again = augmentations.twoViews(rows, new SplittableRandom(42));
        Augmentations.ViewPair other = augmentations.twoViews(rows, new SplittableRandom(43));
        assertThat(again.first()).isDeepEqualTo(a.first());
        assertThat(again.second()).isDeepEqualTo(a.second());
        assertThat(Arrays.deepEquals(other.first(), a.first()) && Arrays.deepEquals(other.second(), a.second()))
                .isFalse();
    }

    @Test
    void operatorIsChosenUniformly() {
        int[] items = oneTo(20);
        int[] counts = new int[3];
        SplittableRandom rng = new SplittableRandom(5);
        int draws = 3000;
        for (int i = 0; i < draws; i++) {
            int[] view = augmentations.augment(items, rng);
            if (view.length == 4) {
                counts[0]++; // crop
            } else if (Arrays.stream(view).anyMatch(v -> v == 0)) {
                counts[1]++; // mask
            } else {
                counts[2]++; // reorder
            }
        }
        for (int count : counts) {
            assertThat(count).isBetween(900, 1100); // 1000 expected, sd about 26
        }
    }

    @Test
    void rowsWithoutItemsGiveAllPaddingViews() {
        Augmentations.ViewPair views = augmentations.twoViews(new int[][] {new int[6]}, new SplittableRandom(1));
        assertThat(views.first()[0]).containsOnly(0).hasSize(6);
        assertThat(views.second()[0]).containsOnly(0).hasSize(6);
    }

    @Test
    void leftPadKeepsTheLastItemsWhenTooLong() {
        assertThat(SequenceWindows.leftPad(new int[] {1, 2}, 4)).containsExactly(0, 0, 1, 2);
        assertThat(SequenceWindows.leftPad(new int[] {1, 2, 3, 4, 5}, 3)).containsExactly(3, 4, 5);
        assertThat(Augmentations.items(new int[] {0, 0, 4, 0, 5})).containsExactly(4, 0, 5);
    }

    @Test
    void rejectsRatesOutsideTheirRangeAndRowsOfDifferentLengths() {
        assertThatThrownBy(() -> new Augmentations(0f, 0.7f, 0.2f)).hasMessageContaining("cropRate");
        assertThatThrownBy(() -> new Augmentations(0.2f, 1.5f, 0.2f)).hasMessageContaining("maskRate");
        assertThatThrownBy(() -> new Augmentations(0.2f, 0.7f, -0.1f)).hasMessageContaining("reorderRate");
        assertThatThrownBy(() -> augmentations.twoViews(new int[][] {{1, 2}, {1, 2, 3}}, new SplittableRandom(1)))
                .hasMessageContaining("length 2");
    }
}
