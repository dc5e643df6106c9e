package io.intentstream.model;

/**
 * The one way this project turns item sequences into model inputs: the last T items, left-padded with row 0.
 * Offline splits, augmentation views and the streaming trainer all use it, so they cannot disagree on alignment.
 */
public final class SequenceWindows {

    private SequenceWindows() {}

    /** {@code items[from:to]}, keeping the last {@code length} of them and left-padding with 0 to {@code length}. */
    public static int[] lastWindow(int[] items, int from, int to, int length) {
        if (length < 1) {
            throw new IllegalArgumentException("window length must be positive, got " + length);
        }
        int[] window = new int[length];
        int start = Math.max(from, to - length);
        int count = Math.max(0, to - start);
        System.arraycopy(items, start, window, length - count, count);
        return window;
    }

    /** {@code items} left-padded with 0 to {@code length}; when longer, its last {@code length} items are kept. */
    public static int[] leftPad(int[] items, int length) {
        return lastWindow(items, 0, items.length, length);
    }
}
