package io.intentstream.job.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AssignmentOccupancyTest {

    @Test
    void anEvenSpreadHasEveryClusterNonEmptyAndEntropyLog2K() {
        AssignmentOccupancy occupancy = new AssignmentOccupancy(4, 100);
        occupancy.addAll(new int[] {0, 1, 2, 3, 0, 1, 2, 3});
        assertThat(occupancy.nonEmptyClusters()).isEqualTo(4);
        assertThat(occupancy.entropyBits()).isCloseTo(2.0, within(1e-12));
        assertThat(occupancy.normalisedEntropy()).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void aCollapseOntoOneClusterShowsOnceTheOldAssignmentsLeaveTheWindow() {
        AssignmentOccupancy occupancy = new AssignmentOccupancy(4, 4);
        occupancy.addAll(new int[] {0, 1, 2, 3});
        occupancy.addAll(new int[] {2, 2});
        assertThat(occupancy.nonEmptyClusters()).as("0 and 1 left the window").isEqualTo(2);
        assertThat(occupancy.entropyBits()).as("{2: 3, 3: 1}")
                .isCloseTo(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)) / Math.log(2), within(1e-12));
        occupancy.addAll(new int[] {2, 2});
        assertThat(occupancy.nonEmptyClusters()).isEqualTo(1);
        assertThat(occupancy.entropyBits()).isCloseTo(0.0, within(1e-12));
        assertThat(occupancy.normalisedEntropy()).isCloseTo(0.0, within(1e-12));
    }

    @Test
    void emptyIsNaNAndOutOfRangeClustersAreRejected() {
        AssignmentOccupancy occupancy = new AssignmentOccupancy(3, 10);
        assertThat(occupancy.entropyBits()).isNaN();
        assertThat(occupancy.nonEmptyClusters()).isZero();
        assertThatThrownBy(() -> occupancy.addAll(new int[] {3})).isInstanceOf(IllegalArgumentException.class);
    }
}
