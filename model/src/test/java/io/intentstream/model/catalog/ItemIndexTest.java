package io.intentstream.model.catalog;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ItemIndexTest {

    @Test
    void assignsRowsOneUpInOrderOfFirstSight() {
        ItemIndex index = new ItemIndex(10);
        assertThat(index.assign("a").row()).isEqualTo(1);
        assertThat(index.assign("b").row()).isEqualTo(2);
        assertThat(index.assign("a")).isEqualTo(new ItemIndex.Assignment(1, false, null));
        assertThat(index.assign("c")).isEqualTo(new ItemIndex.Assignment(3, true, null));
        assertThat(index.size()).isEqualTo(3);
        assertThat(index.liveRows()).isEqualTo(3);
    }

    @Test
    void looksUpRowsByFingerprintAndIdsByRow() {
        ItemIndex index = new ItemIndex(10);
        index.assign("shoe");
        index.assign("sock");

        assertThat(index.rowOf(ItemFingerprint.of("sock"))).isEqualTo(2);
        assertThat(index.rowOf(ItemFingerprint.of("hat"))).as("unknown item maps to padding").isZero();
        assertThat(index.externalId(1)).isEqualTo("shoe");
        assertThat(index.fingerprint(2)).isEqualTo(ItemFingerprint.of("sock"));
        assertThat(index.externalId(3)).as("unassigned row").isNull();
        assertThatThrownBy(() -> index.externalId(0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> index.externalId(11)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void evictsTheLeastRecentlySeenItemAndReusesItsRow() {
        ItemIndex index = new ItemIndex(3);
        index.assign("a");
        index.assign("b");
        index.assign("c");
        index.assign("a"); // a is now the most recently seen; b the least

        ItemIndex.Assignment d = index.assign("d");
        assertThat(d).isEqualTo(new ItemIndex.Assignment(2, true, "b"));
        assertThat(d.evicted()).isTrue();
        assertThat(index.rowOf(ItemFingerprint.of("b"))).isZero();
        assertThat(index.externalId(2)).isEqualTo("d");
        assertThat(index.liveRows()).isEqualTo(3);
        assertThat(index.size()).isEqualTo(3);

        assertThat(index.assign("e").evictedExternalId()).isEqualTo("c");
        assertThat(index.assign("f").evictedExternalId()).isEqualTo("a");
        assertThat(index.evictions()).isEqualTo(3);
    }

    @Test
    void lookingUpAHistoryDoesNotKeepAnItemAlive() {
        ItemIndex index = new ItemIndex(2);
        index.assign("old");
        index.assign("new");
        index.rowOf(ItemFingerprint.of("old"));

        assertThat(index.assign("newer").evictedExternalId()).isEqualTo("old");
    }

    @Test
    void serialisationKeepsRowsIdsAndEvictionOrder() {
        ItemIndex index = new ItemIndex(4);
        for (String id : new String[] {"a", "b", "c", "d", "a", "e", "ü-ñ-漢字"}) {
            index.assign(id);
        }
        ItemIndex copy = ItemIndex.fromBytes(index.toBytes());

        assertThat(copy.toBytes()).isEqualTo(index.toBytes());
        assertThat(copy.capacity()).isEqualTo(4);
        assertThat(copy.size()).isEqualTo(index.size());
        assertThat(copy.liveRows()).isEqualTo(index.liveRows());
        assertThat(copy.evictions()).isEqualTo(index.evictions());
        for (int row = 1; row <= 4; row++) {
            assertThat(copy.externalId(row)).isEqualTo(index.externalId(row));
            assertThat(copy.rowOf(copy.fingerprint(row))).isEqualTo(row);
        }
        assertThat(copy.assign("f").evictedExternalId()).isEqualTo(index.assign("f").evictedExternalId());
    }

    @Test
    void rejectsCorruptEncodingsAndBadCapacity() {
        assertThatThrownBy(() -> new ItemIndex(0)).hasMessageContaining("capacity must be at least 1");
        byte[] encoded = new ItemIndex(2).toBytes();
        encoded[3] = 9;
        assertThatThrownBy(() -> ItemIndex.fromBytes(encoded)).hasMessageContaining("Unsupported item index format 9");
    }

    @Test
    void fingerprintsAreFixedValuesAndDistinct() {
        // Fixed values: fingerprints live in checkpoints, so the function must never change.
        assertThat(ItemFingerprint.of("item-1")).isEqualTo(0xe3d58280f7f95788L); // FNV-1a + fmix64, checked in Python
        assertThat(ItemFingerprint.of("")).isEqualTo(0xefd01f60ba992926L);
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            seen.add(ItemFingerprint.of("item-" + i));
        }
        assertThat(seen).hasSize(200_000);
    }
}
