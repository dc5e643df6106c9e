package io.intentstream.job.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StateChunksTest {

    @Test
    void splitChunksStayBelowTheHumongousSizeAndJoinBackToTheSameBytes() {
        byte[] model = new byte[10 * StateChunks.CHUNK_BYTES + 12_345];
        new Random(3).nextBytes(model);
        List<byte[]> chunks = StateChunks.split(model);
        assertThat(chunks).hasSize(11);
        assertThat(chunks).allSatisfy(c -> assertThat(c.length).isLessThanOrEqualTo(512 * 1024));
        assertThat(StateChunks.join(chunks)).isEqualTo(model);
    }

    @Test
    void aCheckpointOfOneWholeElementRestoresUnchangedAndAnEmptyStateHasNoModel() {
        byte[] whole = {1, 2, 3};
        assertThat(StateChunks.join(List.of(whole))).isSameAs(whole);
        assertThat(StateChunks.join(List.of())).isNull();
        assertThat(StateChunks.join(StateChunks.split(new byte[0]))).isEmpty();
    }
}
