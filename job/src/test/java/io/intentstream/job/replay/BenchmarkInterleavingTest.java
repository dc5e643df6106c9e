package io.intentstream.job.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.intentstream.job.demo.InteractionEvent;
import io.intentstream.job.demo.PlantedIntentStream;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarkInterleavingTest {

    @TempDir
    Path directory;

    @Test
    void replaysActiveUsersRoundRobinAndLetsTheNextUserInWhenOneRunsOut() throws IOException {
        Path file = write("1 10 11 12\n2 20\n3 30 31\n");
        List<InteractionEvent> events = BenchmarkInterleaving.read(file, 100, 2);
        // Users 1 and 2 active; 2 runs out after one item and 3 takes its place.
        assertThat(events).extracting(e -> e.userId() + ":" + e.itemId()).containsExactly(
                "u-1:item-10", "u-2:item-20", "u-1:item-11", "u-3:item-30", "u-1:item-12", "u-3:item-31");
        assertThat(events).extracting(InteractionEvent::eventId)
                .containsExactly("e-0", "e-1", "e-2", "e-3", "e-4", "e-5");
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).eventTimeMillis()).isEqualTo(
                    PlantedIntentStream.START_MILLIS + i * PlantedIntentStream.EVENT_SPACING_MILLIS);
        }
    }

    @Test
    void stopsAfterMaxEvents() throws IOException {
        Path file = write("1 10 11 12\n2 20 21\n");
        assertThat(BenchmarkInterleaving.read(file, 3, 64)).extracting(InteractionEvent::itemId)
                .containsExactly("item-10", "item-20", "item-11");
    }

    @Test
    void rejectsALineThatIsNotInTheBenchmarkFormatNamingTheLine() throws IOException {
        Path file = write("1 10 11\n2 20 abc\n");
        assertThatThrownBy(() -> BenchmarkInterleaving.read(file, 100, 64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("abc");
    }

    @Test
    void rejectsAUserWhoAppearsTwice() throws IOException {
        Path file = write("1 10 11\n1 12\n");
        assertThatThrownBy(() -> BenchmarkInterleaving.read(file, 100, 1))
                .hasMessageContaining("user 1 appears twice");
    }

    @Test
    void replaysTheWholeBeautyFileKeepingEveryUsersOrder() {
        Path beauty = Path.of("..", "..", "shared", "data", "Beauty.txt").toAbsolutePath().normalize();
        assumeTrue(Files.isReadable(beauty), "benchmark data not present at " + beauty);
        List<InteractionEvent> events = BenchmarkInterleaving.read(beauty, Integer.MAX_VALUE, 64);
        // Figures from ../shared/data/README.md.
        assertThat(events).hasSize(198_502);
        assertThat(new HashSet<>(events.stream().map(InteractionEvent::userId).toList())).hasSize(22_363);
        assertThat(new HashSet<>(events.stream().map(InteractionEvent::itemId).toList())).hasSize(12_101);
        Map<String, Integer> lengths = new HashMap<>();
        events.forEach(e -> lengths.merge(e.userId(), 1, Integer::sum));
        assertThat(lengths.values()).allSatisfy(n -> assertThat(n).isBetween(5, 204));
    }

    private Path write(String content) throws IOException {
        Path file = directory.resolve("data.txt");
        Files.writeString(file, content);
        return file;
    }
}
