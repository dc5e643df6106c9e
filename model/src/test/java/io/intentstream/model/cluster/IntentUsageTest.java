package io.intentstream.model.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class IntentUsageTest {

    @Test
    void usersSpreadEvenlyOverEveryCentreMakeKEffectiveIntents() {
        IntentUsage usage = IntentUsage.of(new int[] {0, 1, 2, 3, 0, 1, 2, 3}, 4);

        assertThat(usage).isEqualTo(new IntentUsage(4, 8, 4, usage.effective(), 0.25));
        assertThat(usage.effective()).isCloseTo(4.0, within(1e-12));
    }

    @Test
    void oneCentreHoldingEveryoneIsOneEffectiveIntent() {
        IntentUsage usage = IntentUsage.of(new int[] {5, 5, 5}, 8);

        assertThat(usage.used()).isEqualTo(1);
        assertThat(usage.effective()).isCloseTo(1.0, within(1e-12));
        assertThat(usage.largestShare()).isEqualTo(1.0);
    }

    @Test
    void aSkewedSpreadCountsFewerEffectiveIntentsThanCentresUsed() {
        // Shares 1/2, 1/4, 1/4: H = 1.5 ln 2, exp(H) = 2^1.5.
        IntentUsage usage = IntentUsage.of(new int[] {0, 0, 1, 2}, 3);

        assertThat(usage.used()).isEqualTo(3);
        assertThat(usage.effective()).isCloseTo(Math.pow(2, 1.5), within(1e-12));
        assertThat(usage.largestShare()).isEqualTo(0.5);
    }

    @Test
    void rejectsAnIntentOutsideTheCentresAndAnEmptyAssignment() {
        assertThatThrownBy(() -> IntentUsage.of(new int[] {0, 3}, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("intent 3 is not one of the 3");
        assertThatThrownBy(() -> IntentUsage.of(new int[0], 3)).isInstanceOf(IllegalArgumentException.class);
    }
}
