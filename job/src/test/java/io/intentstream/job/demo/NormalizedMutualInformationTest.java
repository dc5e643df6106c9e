package io.intentstream.job.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class NormalizedMutualInformationTest {

    @Test
    void identicalLabelingsScoreOne() {
        assertThat(NormalizedMutualInformation.of(List.of(0, 0, 1, 1, 2), List.of(0, 0, 1, 1, 2)))
                .isCloseTo(1.0, within(1e-12));
    }

    @Test
    void renamingTheLabelsKeepsTheScoreAtOne() {
        assertThat(NormalizedMutualInformation.of(List.of(0, 0, 1, 1, 2), List.of("c", "c", "a", "a", "b")))
                .isCloseTo(1.0, within(1e-12));
    }

    @Test
    void exactlyIndependentLabelingsScoreZero() {
        // Every (a, b) pair occurs once: knowing a says nothing about b.
        assertThat(NormalizedMutualInformation.of(List.of(0, 0, 1, 1), List.of(0, 1, 0, 1)))
                .isCloseTo(0.0, within(1e-12));
    }

    @Test
    void largeIndependentRandomLabelingsScoreNearZero() {
        SplittableRandom random = new SplittableRandom(7);
        List<Integer> a = new ArrayList<>();
        List<Integer> b = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            a.add(random.nextInt(5));
            b.add(random.nextInt(5));
        }
        assertThat(NormalizedMutualInformation.of(a, b)).isBetween(0.0, 0.001);
    }

    @Test
    void matchesAHandComputedTwoByTwoCase() {
        // a = [0,0,1,1], b = [0,0,0,1]; joint counts (0,0)=2, (1,0)=1, (1,1)=1, n = 4.
        // I = 2/4 ln(2*4/(2*3)) + 1/4 ln(1*4/(2*3)) + 1/4 ln(1*4/(2*1)) = 0.2157615543
        // H(a) = ln 2 = 0.6931471806; H(b) = -(3/4 ln 3/4 + 1/4 ln 1/4) = 0.5623351446
        // NMI = I / ((H(a) + H(b)) / 2) = 0.3437110185
        assertThat(NormalizedMutualInformation.of(List.of(0, 0, 1, 1), List.of(0, 0, 0, 1)))
                .isCloseTo(0.3437110185, within(1e-9));
    }

    @Test
    void isSymmetric() {
        List<Integer> a = List.of(0, 0, 1, 1, 2, 2, 2);
        List<Integer> b = List.of(1, 0, 1, 1, 0, 2, 2);
        assertThat(NormalizedMutualInformation.of(a, b))
                .isCloseTo(NormalizedMutualInformation.of(b, a), within(1e-12));
    }

    @Test
    void aSingleLabelOnOneSideScoresZeroAndOnBothSidesScoresOne() {
        assertThat(NormalizedMutualInformation.of(List.of(0, 0, 0), List.of(0, 1, 2))).isEqualTo(0.0);
        assertThat(NormalizedMutualInformation.of(List.of(5, 5, 5), List.of(1, 1, 1))).isEqualTo(1.0);
    }

    @Test
    void labelingsOfDifferentLengthAreRejected() {
        assertThatThrownBy(() -> NormalizedMutualInformation.of(List.of(0, 1), List.of(0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2 and 1");
    }

    @Test
    void overCommonKeysIgnoresElementsOnlyOneSideLabels() {
        Map<String, Integer> planted = new LinkedHashMap<>();
        planted.put("u-1", 0);
        planted.put("u-2", 0);
        planted.put("u-3", 1);
        planted.put("u-4", 1);
        planted.put("u-never-seen", 1);
        Map<String, Integer> assigned = Map.of("u-1", 7, "u-2", 7, "u-3", 3, "u-4", 3, "u-only-assigned", 9);
        assertThat(NormalizedMutualInformation.overCommonKeys(planted, assigned)).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void overCommonKeysRejectsDisjointLabelings() {
        assertThatThrownBy(() -> NormalizedMutualInformation.overCommonKeys(Map.of("a", 1), Map.of("b", 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("share no element");
    }
}
