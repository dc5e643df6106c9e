package io.intentstream.job.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The model snapshot in operator list state as consecutive chunks rather than one element. A checkpoint's
 * synchronous part deep-copies the list state; one 10 MB element is a humongous object for G1 (over half a region
 * at a 4 GB heap), and in the end-to-end profile such allocations at every checkpoint started old-generation
 * collections whose pauses stalled the training operator. Chunks below that size are copied as ordinary young
 * objects. Older checkpoints stored one element: joining a one-element list gives it back unchanged.
 */
final class StateChunks {

    /** Below half a G1 region at the smallest region size (1 MB), so never a humongous object. */
    static final int CHUNK_BYTES = 256 * 1024;

    private StateChunks() {}

    static List<byte[]> split(byte[] bytes) {
        List<byte[]> chunks = new ArrayList<>(bytes.length / CHUNK_BYTES + 1);
        for (int from = 0; from < bytes.length; from += CHUNK_BYTES) {
            chunks.add(Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + CHUNK_BYTES)));
        }
        if (chunks.isEmpty()) {
            chunks.add(new byte[0]);
        }
        return chunks;
    }

    /** The bytes {@link #split} was given, or null for an empty list (no model stored). */
    static byte[] join(Iterable<byte[]> chunks) {
        List<byte[]> list = new ArrayList<>();
        int total = 0;
        for (byte[] chunk : chunks) {
            list.add(chunk);
            total = Math.addExact(total, chunk.length);
        }
        if (list.isEmpty()) {
            return null;
        }
        if (list.size() == 1) {
            return list.get(0);
        }
        byte[] joined = new byte[total];
        int at = 0;
        for (byte[] chunk : list) {
            System.arraycopy(chunk, 0, joined, at, chunk.length);
            at += chunk.length;
        }
        return joined;
    }
}
