package io.intentstream.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@link ElcRecModel#encodedSnapshot}, the one-array encoding a checkpoint uses, is byte for byte the
 * {@link ModelSnapshot#toBytes()} of {@link ElcRecModel#snapshot()} with the item index attached, its checksum is
 * that snapshot's, and it restores the model bit for bit.
 */
class EncodedSnapshotTest {

    @Test
    void theOneArrayEncodingIsTheSnapshotsBytesWithItsChecksumAndRestoresExactly() {
        byte[] itemIndex = {7, 1, 2, 3, 4, 5};
        try (ElcRecModel model = ElcRecModel.create(ModelFixtures.tiny().build())) {
            for (int i = 0; i < 2; i++) {
                model.trainStep(ModelFixtures.randomBatch(16, ModelFixtures.ITEMS, i));
            }
            ModelSnapshot reference = model.snapshot().withItemIndex(itemIndex);
            ModelSnapshot.Encoded encoded = model.encodedSnapshot(itemIndex);

            assertThat(encoded.bytes()).isEqualTo(reference.toBytes());
            assertThat(encoded.checksum()).isEqualTo(reference.checksum());
            assertThat(encoded.version()).isEqualTo(2).isEqualTo(reference.version());

            ModelSnapshot decoded = ModelSnapshot.fromBytes(encoded.bytes());
            assertThat(decoded).isEqualTo(reference);
            try (ElcRecModel restored = ElcRecModel.restore(decoded)) {
                assertThat(restored.snapshot().withItemIndex(itemIndex)).isEqualTo(reference);
                // The restored model goes on exactly as the original.
                model.trainStep(ModelFixtures.randomBatch(16, ModelFixtures.ITEMS, 9));
                restored.trainStep(ModelFixtures.randomBatch(16, ModelFixtures.ITEMS, 9));
                assertThat(restored.encodedSnapshot(itemIndex).bytes())
                        .isEqualTo(model.encodedSnapshot(itemIndex).bytes());
            }
        }
    }
}
