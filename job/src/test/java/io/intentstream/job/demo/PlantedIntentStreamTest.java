package io.intentstream.job.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class PlantedIntentStreamTest {

    private static final PlantedIntentStream.Parameters PARAMETERS =
            PlantedIntentStream.Parameters.of(200, 5, 30, 20_000, 11);

    @Test
    void theSameSeedGivesTheSameStreamAndAnotherSeedAnotherOne() {
        PlantedIntentStream a = PlantedIntentStream.generate(PARAMETERS);
        PlantedIntentStream b = PlantedIntentStream.generate(PARAMETERS);
        PlantedIntentStream c = PlantedIntentStream.generate(PlantedIntentStream.Parameters.of(200, 5, 30, 20_000, 12));
        assertThat(a.events()).isEqualTo(b.events());
        assertThat(a.plantedIntents()).isEqualTo(b.plantedIntents());
        assertThat(c.events()).isNotEqualTo(a.events());
    }

    @Test
    void hasTheRequestedNumberOfEventsWithUniqueIdsInStrictlyIncreasingEventTime() {
        List<InteractionEvent> events = PlantedIntentStream.generate(PARAMETERS).events();
        assertThat(events).hasSize(20_000);
        assertThat(new HashSet<>(events.stream().map(InteractionEvent::eventId).toList())).hasSize(20_000);
        for (int i = 1; i < events.size(); i++) {
            assertThat(events.get(i).eventTimeMillis()).isGreaterThan(events.get(i - 1).eventTimeMillis());
        }
        assertThat(events.get(0).eventTimeMillis()).isEqualTo(PlantedIntentStream.START_MILLIS);
    }

    @Test
    void everyUserHasOnePlantedIntentAndAllIntentsAreUsed() {
        PlantedIntentStream stream = PlantedIntentStream.generate(PARAMETERS);
        assertThat(stream.plantedIntents()).hasSize(200);
        assertThat(stream.plantedIntents().values()).allSatisfy(i -> assertThat(i).isBetween(0, 4));
        assertThat(new HashSet<>(stream.plantedIntents().values())).hasSize(5);
        assertThat(stream.events()).allSatisfy(e -> {
            assertThat(e.userId()).matches("u-\\d+");
            assertThat(e.itemId()).matches("item-\\d+");
            assertThat(stream.plantedIntents()).containsKey(e.userId());
        });
    }

    @Test
    void usersMostlyInteractWithTheirOwnIntentsItemsAndMostlyStepToTheSuccessor() {
        PlantedIntentStream stream = PlantedIntentStream.generate(PARAMETERS);
        int inOwnGroup = 0;
        int steps = 0;
        int successorSteps = 0;
        Map<String, Integer> previous = new HashMap<>();
        for (InteractionEvent e : stream.events()) {
            int item = Integer.parseInt(e.itemId().substring("item-".length()));
            int intent = stream.plantedIntents().get(e.userId());
            if (stream.intentOfItem(e.itemId()) == intent) {
                inOwnGroup++;
            }
            Integer before = previous.put(e.userId(), item);
            if (before != null && stream.intentOfItem("item-" + before) == intent) {
                steps++;
                int groupStart = intent * 30;
                if (item == groupStart + (before - groupStart + 1) % 30) {
                    successorSteps++;
                }
            }
        }
        // Expected: 0.95 + 0.05/5 = 0.96 of the items in the own group; 0.8 + 0.15/30 + 0.05/150 = 0.805
        // successor steps. 20 000 draws put three standard deviations at about 0.004 and 0.009.
        assertThat(inOwnGroup / 20_000.0).isBetween(0.95, 0.97);
        assertThat((double) successorSteps / steps).isBetween(0.79, 0.82);
    }

    @Test
    void intentOfItemKnowsTheGroupsAndRejectsForeignIds() {
        PlantedIntentStream stream = PlantedIntentStream.generate(PARAMETERS);
        assertThat(stream.intentOfItem("item-0")).isZero();
        assertThat(stream.intentOfItem("item-29")).isZero();
        assertThat(stream.intentOfItem("item-30")).isEqualTo(1);
        assertThat(stream.intentOfItem("item-149")).isEqualTo(4);
        assertThat(stream.intentOfItem("item-150")).isEqualTo(-1);
        assertThat(stream.intentOfItem("thing-3")).isEqualTo(-1);
        assertThat(stream.intentOfItem("item-x")).isEqualTo(-1);
    }

    @Test
    void invalidParametersAreRejectedWithTheReason() {
        assertThatThrownBy(() -> PlantedIntentStream.Parameters.of(0, 5, 30, 10, 1))
                .hasMessageContaining("users must be at least 1");
        assertThatThrownBy(() -> PlantedIntentStream.Parameters.of(10, 5, 1, 10, 1))
                .hasMessageContaining("itemsPerIntent must be at least 2");
        assertThatThrownBy(() -> new PlantedIntentStream.Parameters(10, 5, 30, 10, 0.9, 0.2, 1))
                .hasMessageContaining("sum to at most 1");
    }
}
