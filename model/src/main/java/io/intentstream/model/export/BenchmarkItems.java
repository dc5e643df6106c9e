package io.intentstream.model.export;

import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.catalog.ItemIndex;

/**
 * The bridge between the two item layouts: offline, rows are the benchmark's item ids; in the stream, an
 * {@link ItemIndex} maps external ids to rows. A benchmark replayed through the job names item {@code n}
 * {@value #EXTERNAL_ID_PREFIX}{@code n}; the identity index maps that name to row {@code n}, so a snapshot
 * trained offline can seed the job, and one trained by a replay can be evaluated offline, without remapping rows.
 */
public final class BenchmarkItems {

    /** External id prefix of benchmark items in the stream (the demo's and the replay's convention). */
    public static final String EXTERNAL_ID_PREFIX = "item-";

    private BenchmarkItems() {}

    public static String externalId(int item) {
        if (item < 1) {
            throw new IllegalArgumentException("benchmark item ids start at 1, got " + item);
        }
        return EXTERNAL_ID_PREFIX + item;
    }

    /** An index over {@code itemCount} rows in which {@code item-n} has row {@code n} for every n. */
    public static ItemIndex identityIndex(int itemCount) {
        ItemIndex index = new ItemIndex(itemCount);
        for (int item = 1; item <= itemCount; item++) {
            int row = index.assign(externalId(item)).row();
            if (row != item) {
                throw new IllegalStateException("ItemIndex handed out row " + row + " for item " + item
                        + "; the identity layout needs rows in assignment order");
            }
        }
        return index;
    }

    /** {@code snapshot} with the identity index when it has none (a snapshot of {@code train}), else unchanged. */
    public static ModelSnapshot withIdentityIndexIfMissing(ModelSnapshot snapshot) {
        if (snapshot.itemIndex().length > 0) {
            return snapshot;
        }
        return snapshot.withItemIndex(identityIndex(snapshot.config().itemCount()).toBytes());
    }

    /**
     * Whether {@code snapshot}'s rows are the benchmark's item ids: no index (offline), or an index that maps
     * every {@code item-n} it holds to row {@code n}. Only such a snapshot can be scored on a benchmark file.
     */
    public static boolean rowsAreItemIds(ModelSnapshot snapshot) {
        if (snapshot.itemIndex().length == 0) {
            return true;
        }
        ItemIndex index = ItemIndex.fromBytes(snapshot.itemIndex());
        for (int row = 1; row <= index.liveRows(); row++) {
            String id = index.externalId(row);
            if (id != null && !id.equals(EXTERNAL_ID_PREFIX + row)) {
                return false;
            }
        }
        return true;
    }
}
