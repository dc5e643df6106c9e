package io.intentstream.model.catalog;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The open item catalogue of a stream mapped onto the closed embedding table of the model.
 *
 * <p>Each external item id (and its {@link ItemFingerprint}) gets an embedding row in {@code 1..capacity}; rows
 * are handed out in order, so while the table is filling, rows {@code 1..liveRows()} are exactly the assigned ones
 * (what {@code SequenceBatch.liveItemRows} and {@code ElcRecModel.score} expect). When the table is full the
 * least recently seen item is evicted and its row is reused for the new item; the caller must then reset that
 * row's embedding, otherwise the new item starts with the evicted item's learnt vector.
 *
 * <p>"Seen" means passed to {@link #assign}; {@link #rowOf} does not refresh recency, so looking up a user's
 * history does not keep stale items alive. Not thread-safe: one owner (the training operator) uses it.
 */
public final class ItemIndex {

    private static final int FORMAT_VERSION = 1;

    private final int capacity;
    /** fingerprint to row in insertion order, kept as least to most recently seen by re-inserting on sight. */
    private final LinkedHashMap<Long, Integer> rowsByFingerprint;
    private final String[] externalIds;
    private final long[] fingerprints;
    private int liveRows;
    private long evictions;

    /** What {@link #assign} did: the row, whether it is new to the index, and the item it replaced if any. */
    public record Assignment(int row, boolean added, String evictedExternalId) {
        public boolean evicted() {
            return evictedExternalId != null;
        }
    }

    public ItemIndex(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("ItemIndex capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.rowsByFingerprint = new LinkedHashMap<>(Math.min(capacity, 1 << 16) * 2);
        this.externalIds = new String[capacity + 1];
        this.fingerprints = new long[capacity + 1];
    }

    /**
     * The row of {@code externalId}, assigning one (and evicting the least recently seen item when full) if the
     * item is new. Marks the item as the most recently seen.
     */
    public Assignment assign(String externalId) {
        long fingerprint = ItemFingerprint.of(externalId);
        Integer existing = rowsByFingerprint.remove(fingerprint);
        if (existing != null) {
            rowsByFingerprint.put(fingerprint, existing); // re-insertion moves it to the most recent end
            return new Assignment(existing, false, null);
        }
        int row;
        String evicted = null;
        if (liveRows < capacity) {
            row = ++liveRows;
        } else {
            Iterator<Map.Entry<Long, Integer>> eldest = rowsByFingerprint.entrySet().iterator();
            Map.Entry<Long, Integer> victim = eldest.next();
            row = victim.getValue();
            evicted = externalIds[row];
            eldest.remove();
            evictions++;
        }
        rowsByFingerprint.put(fingerprint, row);
        externalIds[row] = externalId;
        fingerprints[row] = fingerprint;
        return new Assignment(row, true, evicted);
    }

    /** The row of the item with this fingerprint, or 0 (the padding row) when it is not (or no longer) indexed. */
    public int rowOf(long fingerprint) {
        Integer row = rowsByFingerprint.get(fingerprint); // insertion-ordered map: a lookup is not a "sighting"
        return row == null ? 0 : row;
    }

    /** The external id at {@code row}, or null when the row was never assigned. */
    public String externalId(int row) {
        checkRow(row);
        return externalIds[row];
    }

    /** The fingerprint of the item at {@code row} (meaningful only for assigned rows). */
    public long fingerprint(int row) {
        checkRow(row);
        return fingerprints[row];
    }

    public int capacity() {
        return capacity;
    }

    /** Items currently indexed. */
    public int size() {
        return rowsByFingerprint.size();
    }

    /** Rows 1..liveRows() are assigned; grows to capacity and stays there (evictions reuse rows). */
    public int liveRows() {
        return liveRows;
    }

    /** How many items were evicted since the index was created (carried through serialisation). */
    public long evictions() {
        return evictions;
    }

    private void checkRow(int row) {
        if (row < 1 || row > capacity) {
            throw new IndexOutOfBoundsException("row " + row + " is outside 1.." + capacity);
        }
    }

    /** Encodes the index, entries from least to most recently seen, so decoding restores the eviction order. */
    public byte[] toBytes() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + rowsByFingerprint.size() * 32);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(FORMAT_VERSION);
                out.writeInt(capacity);
                out.writeInt(liveRows);
                out.writeLong(evictions);
                out.writeInt(rowsByFingerprint.size());
                for (Map.Entry<Long, Integer> e : rowsByFingerprint.entrySet()) {
                    int row = e.getValue();
                    out.writeInt(row);
                    byte[] id = externalIds[row].getBytes(StandardCharsets.UTF_8);
                    out.writeInt(id.length);
                    out.write(id);
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ItemIndex fromBytes(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            int format = in.readInt();
            if (format != FORMAT_VERSION) {
                throw new IllegalArgumentException(
                        "Unsupported item index format " + format + "; this build reads format " + FORMAT_VERSION);
            }
            ItemIndex index = new ItemIndex(in.readInt());
            index.liveRows = in.readInt();
            index.evictions = in.readLong();
            int entries = in.readInt();
            for (int i = 0; i < entries; i++) {
                int row = in.readInt();
                if (row < 1 || row > index.liveRows) {
                    throw new IllegalArgumentException("Corrupt item index: row " + row + " outside 1.." + index.liveRows);
                }
                byte[] id = new byte[in.readInt()];
                in.readFully(id);
                String externalId = new String(id, StandardCharsets.UTF_8);
                long fingerprint = ItemFingerprint.of(externalId);
                index.rowsByFingerprint.put(fingerprint, row);
                index.externalIds[row] = externalId;
                index.fingerprints[row] = fingerprint;
            }
            return index;
        } catch (IOException e) {
            throw new UncheckedIOException("Corrupt item index", e);
        }
    }
}
