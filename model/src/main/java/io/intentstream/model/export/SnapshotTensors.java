package io.intentstream.model.export;

import io.intentstream.model.ModelSnapshot;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads single parameters out of a snapshot's encoded parameters (the format documented on
 * {@link ModelSnapshot#parameters()}) without creating a model: for consumers that only need, say, the intent
 * centres.
 */
public final class SnapshotTensors {

    private static final int PARAMETER_FORMAT = 1;
    private static final String CENTRES = "centres";

    private SnapshotTensors() {}

    /** The (k, d) intent centres {@code snapshot} scores with, one row per centre. */
    public static float[][] centres(ModelSnapshot snapshot) {
        return matrix(snapshot, CENTRES);
    }

    /**
     * The 2-D float parameter whose block path ends with {@code name}, as the snapshot scores with it (its average
     * where the model keeps one).
     *
     * @throws IllegalArgumentException when there is no such parameter, or it is not a 2-D float32 array
     */
    public static float[][] matrix(ModelSnapshot snapshot, String name) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot.servingParameters()))) {
            int format = in.readInt();
            if (format != PARAMETER_FORMAT) {
                throw new IllegalArgumentException("unsupported parameter format " + format);
            }
            int count = in.readInt();
            for (int p = 0; p < count; p++) {
                String path = in.readUTF();
                String type = in.readUTF();
                long[] dims = new long[in.readInt()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = in.readLong();
                }
                byte[] data = new byte[in.readInt()];
                in.readFully(data);
                if (!path.endsWith(name)) {
                    continue;
                }
                if (!type.equals("FLOAT32") || dims.length != 2) {
                    throw new IllegalArgumentException("parameter " + path + " is " + type + " of rank " + dims.length
                            + ", not a float32 matrix");
                }
                int rows = Math.toIntExact(dims[0]);
                int columns = Math.toIntExact(dims[1]);
                ByteBuffer buffer = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
                float[][] matrix = new float[rows][columns];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < columns; c++) {
                        matrix[r][c] = buffer.getFloat();
                    }
                }
                return matrix;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt parameters in model snapshot", e);
        }
        throw new IllegalArgumentException("the snapshot has no parameter named *" + name);
    }
}
