package io.intentstream.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

/** Reads and rewrites the arrays inside a snapshot's parameter and optimiser blocks (test-only decoder). */
final class SnapshotArrays {

    private SnapshotArrays() {}

    /** Parameter name to its float values, in the model's fixed order. */
    static Map<String, float[]> parameters(ModelSnapshot snapshot) {
        Map<String, float[]> out = new LinkedHashMap<>();
        rewriteParameters(snapshot, (name, values) -> {
            out.put(name, values);
            return values;
        });
        return out;
    }

    /** The moving average's values by parameter name, likewise; empty when the model keeps no average. */
    static Map<String, float[]> averagedParameters(ModelSnapshot snapshot) {
        if (snapshot.averagedParameters().length == 0) {
            return Map.of();
        }
        return parameters(new ModelSnapshot(snapshot.config(), snapshot.version(), snapshot.stepCount(),
                snapshot.centresInitialised(), snapshot.averagedParameters(), snapshot.optimizerState(),
                new byte[0], snapshot.rngState(), snapshot.itemIndex()));
    }

    /** First moments then second moments of every parameter, keyed "m:name" and "v:name". */
    static Map<String, float[]> moments(ModelSnapshot snapshot) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot.optimizerState()))) {
            in.readInt();
            in.readLong();
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                out.put("m:" + name, readArray(in, null));
                out.put("v:" + name, readArray(in, null));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** A copy of {@code snapshot} whose parameters went through {@code change(name, values)}. */
    static ModelSnapshot withParameters(ModelSnapshot snapshot, BiFunction<String, float[], float[]> change) {
        byte[] parameters = rewriteParameters(snapshot, change);
        return new ModelSnapshot(snapshot.config(), snapshot.version(), snapshot.stepCount(),
                snapshot.centresInitialised(), parameters, snapshot.optimizerState(), snapshot.averagedParameters(),
                snapshot.rngState(), snapshot.itemIndex());
    }

    private static byte[] rewriteParameters(ModelSnapshot snapshot, BiFunction<String, float[], float[]> change) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(snapshot.parameters()))) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(in.readInt());
            int count = in.readInt();
            out.writeInt(count);
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                out.writeUTF(name);
                float[] values = readArray(in, out);
                float[] changed = change.apply(name, values);
                ByteBuffer buffer = ByteBuffer.allocate(changed.length * 4).order(ByteOrder.nativeOrder());
                buffer.asFloatBuffer().put(changed);
                out.writeInt(buffer.capacity());
                out.write(buffer.array());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one encoded array; copies its header (type, shape) to {@code header} when given. */
    private static float[] readArray(DataInputStream in, DataOutputStream header) throws IOException {
        String type = in.readUTF();
        int rank = in.readInt();
        long[] dims = new long[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = in.readLong();
        }
        if (header != null) {
            header.writeUTF(type);
            header.writeInt(rank);
            for (long dim : dims) {
                header.writeLong(dim);
            }
        }
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        float[] values = new float[data.length / 4];
        ByteBuffer.wrap(data).order(ByteOrder.nativeOrder()).asFloatBuffer().get(values);
        return values;
    }
}
