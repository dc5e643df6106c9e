package io.intentstream.model.training;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A byte sink for an encoding whose final size is known before it is written: snapshot encoding at a checkpoint
 * runs on the training operator's thread, where a growing {@link ByteArrayOutputStream} (doubling copies of a
 * 10 MB model, then a final copy) was the largest share of the checkpoint's time in the profile. Sized exactly,
 * the array is filled once and handed out without a copy, and tensor bytes are copied straight from the engine's
 * memory into it ({@link #write(ByteBuffer)}).
 */
public final class ExactBytes extends ByteArrayOutputStream {

    public ExactBytes(int expectedSize) {
        super(expectedSize);
    }

    /** Copies the buffer's remaining bytes into this sink, without an intermediate array. */
    public void write(ByteBuffer source) {
        int n = source.remaining();
        if (count + n > buf.length) {
            // Only when the expected size was wrong: still correct, just no longer copy-free.
            buf = Arrays.copyOf(buf, Math.max(count + n, 2 * buf.length));
        }
        source.get(buf, count, n);
        count += n;
    }

    /** The bytes written: the array itself when exactly the expected size was written, else a trimmed copy. */
    public byte[] bytes() {
        return count == buf.length ? buf : Arrays.copyOf(buf, count);
    }

    /** Bytes {@link java.io.DataOutputStream#writeUTF} writes for {@code s}: 2 length bytes and modified UTF-8. */
    public static int utfSize(String s) {
        int size = 2;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            size += c >= 0x0001 && c <= 0x007F ? 1 : c <= 0x07FF ? 2 : 3;
        }
        return size;
    }
}
