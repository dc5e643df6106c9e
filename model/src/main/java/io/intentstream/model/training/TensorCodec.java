package io.intentstream.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Raw, bit-exact encoding of one array: data type, shape, then its bytes in the platform's native order
 * (little-endian on every platform libtorch ships for). Reading copies into an existing array in place, so
 * parameters keep their identity (and their place in autograd and the optimiser).
 */
public final class TensorCodec {

    private TensorCodec() {}

    public static void write(DataOutputStream out, NDArray array) throws IOException {
        writeHeader(out, array);
        byte[] data = array.toByteArray();
        out.writeInt(data.length);
        out.write(data);
    }

    /**
     * {@link #write(DataOutputStream, NDArray)} with the array's bytes copied from the engine's memory straight into
     * {@code sink}, the stream {@code out} writes to (DataOutputStream does not buffer, so both can be used in
     * turn). Same bytes, one copy fewer and no temporary array.
     */
    public static void write(DataOutputStream out, ExactBytes sink, NDArray array) throws IOException {
        writeHeader(out, array);
        // A direct view of a contiguous CPU tensor's memory (parameters and moments are), else DJL's copy.
        ByteBuffer data = array.toByteBuffer(true);
        out.writeInt(data.remaining());
        sink.write(data);
    }

    /** Bytes that {@link #write} writes for {@code array}. */
    public static int encodedSize(NDArray array) {
        long bytes = array.size() * array.getDataType().getNumOfBytes();
        return Math.toIntExact(ExactBytes.utfSize(array.getDataType().name()) + 4
                + 8L * array.getShape().dimension() + 4 + bytes);
    }

    private static void writeHeader(DataOutputStream out, NDArray array) throws IOException {
        out.writeUTF(array.getDataType().name());
        long[] dims = array.getShape().getShape();
        out.writeInt(dims.length);
        for (long dim : dims) {
            out.writeLong(dim);
        }
    }

    /** Reads one array written by {@link #write} into {@code target}; call with autograd disabled. */
    public static void readInto(DataInputStream in, NDArray target) throws IOException {
        DataType type = DataType.valueOf(in.readUTF());
        long[] dims = new long[in.readInt()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = in.readLong();
        }
        Shape shape = new Shape(dims);
        if (type != target.getDataType() || !shape.equals(target.getShape())) {
            throw new IllegalArgumentException("stored array is " + type + shape + ", the target is "
                    + target.getDataType() + target.getShape());
        }
        byte[] data = new byte[in.readInt()];
        in.readFully(data);
        NDManager manager = target.getManager();
        // The target's manager creates on the target's device.
        try (NDArray source = manager.create(ByteBuffer.wrap(data).order(ByteOrder.nativeOrder()), shape, type)) {
            target.set(new NDIndex(":"), source);
        }
    }
}
