package io.intentstream.model;

import io.intentstream.model.training.ExactBytes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The whole state of a model as one versioned, serialisable value: what a checkpoint stores, what an export
 * writes, and what scoring subtasks will receive by broadcast.
 *
 * @param config the hyper-parameters the state belongs to
 * @param version the model version (monotonic, one per applied step)
 * @param stepCount Adam's step count (bias correction)
 * @param centresInitialised whether k-means initialisation of the centres has happened
 * @param parameters all parameters in the network's fixed block order: format int, count, then per parameter
 *     its block path (UTF), data type name (UTF), rank and dims, and its raw bytes in native (little-endian)
 *     order; restoring copies them bit for bit and checks names, types and shapes
 * @param optimizerState Adam's state: format int, step count, then per parameter its block path and its first
 *     and second moments in the same array encoding
 * @param averagedParameters the exponential moving average of the parameters in the parameters' encoding, which
 *     the model scores with ({@link ElcRecConfig#averagesWeights()}); empty when the model does not average
 * @param rngState format int and the draw counter: every step's randomness (dropout, augmentation, negatives)
 *     is a function of the config's seed and this counter, so it stands for all generator state
 * @param itemIndex the encoded external-id to row mapping, or an empty array where rows are the ids (benchmarks)
 */
public record ModelSnapshot(
        ElcRecConfig config,
        long version,
        long stepCount,
        boolean centresInitialised,
        byte[] parameters,
        byte[] optimizerState,
        byte[] averagedParameters,
        byte[] rngState,
        byte[] itemIndex) {

    /** Format 2 added the averaged parameters; format 1 (without them) is read as a model that does not average. */
    private static final int FORMAT_VERSION = 2;
    private static final int FORMAT_WITHOUT_AVERAGES = 1;

    /**
     * The same model with Adam's learning rate replaced, for continuing it at another rate (fine-tuning a trained
     * snapshot online). The rate is a setting, not state: parameters, moments and the checksum stay the same.
     */
    public ModelSnapshot withLearningRate(float learningRate) {
        return new ModelSnapshot(config.toBuilder().learningRate(learningRate).build(), version, stepCount,
                centresInitialised, parameters, optimizerState, averagedParameters, rngState, itemIndex);
    }

    public ModelSnapshot withItemIndex(byte[] encodedItemIndex) {
        return new ModelSnapshot(config, version, stepCount, centresInitialised, parameters, optimizerState,
                averagedParameters, rngState, encodedItemIndex);
    }

    /** The parameters the model scores with: their average where the model keeps one, else the parameters. */
    public byte[] servingParameters() {
        return averagedParameters.length > 0 ? averagedParameters : parameters;
    }

    /**
     * A checksum over the parameters, the optimiser state and the averaged parameters: equal checksums mean the same
     * trained model. (Without averages it is the checksum snapshots had before averaging existed.)
     */
    public long checksum() {
        CRC32C crc = new CRC32C();
        crc.update(parameters);
        crc.update(optimizerState);
        crc.update(averagedParameters);
        return crc.getValue();
    }

    public byte[] toBytes() {
        return encode(config, version, stepCount, centresInitialised, parameters.length,
                (out, sink) -> out.write(parameters), optimizerState.length, (out, sink) -> out.write(optimizerState),
                averagedParameters.length, (out, sink) -> out.write(averagedParameters), rngState, itemIndex)
                .bytes();
    }

    /**
     * An encoded snapshot ({@link #toBytes()}) with its identity.
     *
     * @param bytes the encoding
     * @param version the model version
     * @param checksum {@link #checksum()} of the encoded snapshot
     */
    public record Encoded(byte[] bytes, long version, long checksum) {}

    /** Writes one block's content to {@code out}, which writes to {@code sink}. */
    @FunctionalInterface
    public interface BlockWriter {
        void write(DataOutputStream out, ExactBytes sink) throws IOException;
    }

    /**
     * The {@link #toBytes()} encoding of a snapshot whose parameter, optimiser and average blocks are written in
     * place by their owners (no intermediate arrays), and its {@link #checksum()} over those three blocks.
     *
     * @param parametersSize bytes {@code parameters} writes; the optimiser's and the averages' likewise
     */
    public static Encoded encode(ElcRecConfig config, long version, long stepCount, boolean centresInitialised,
            int parametersSize, BlockWriter parameters, int optimizerStateSize, BlockWriter optimizerState,
            int averagedParametersSize, BlockWriter averagedParameters, byte[] rngState, byte[] itemIndex) {
        try {
            byte[] encodedConfig = serialise(config);
            int parametersAt = 4 + 4 + encodedConfig.length + 8 + 8 + 1 + 4;
            int optimizerAt = parametersAt + parametersSize + 4;
            int averagesAt = optimizerAt + optimizerStateSize + 4;
            // Exactly sized: the model's ~10 MB are copied once, from the engine into this array.
            int size = averagesAt + averagedParametersSize + 4 + rngState.length + 4 + itemIndex.length;
            ExactBytes bytes = new ExactBytes(size);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(FORMAT_VERSION);
                writeBlock(out, encodedConfig);
                out.writeLong(version);
                out.writeLong(stepCount);
                out.writeBoolean(centresInitialised);
                out.writeInt(parametersSize);
                parameters.write(out, bytes);
                out.writeInt(optimizerStateSize);
                optimizerState.write(out, bytes);
                out.writeInt(averagedParametersSize);
                averagedParameters.write(out, bytes);
                writeBlock(out, rngState);
                writeBlock(out, itemIndex);
            }
            if (bytes.size() != size) {
                throw new IllegalStateException("a snapshot block wrote another size than it announced");
            }
            byte[] encoded = bytes.bytes();
            CRC32C crc = new CRC32C();
            crc.update(encoded, parametersAt, parametersSize);
            crc.update(encoded, optimizerAt, optimizerStateSize);
            crc.update(encoded, averagesAt, averagedParametersSize);
            return new Encoded(encoded, version, crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ModelSnapshot fromBytes(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            int format = in.readInt();
            if (format != FORMAT_VERSION && format != FORMAT_WITHOUT_AVERAGES) {
                throw new IllegalArgumentException("Unsupported model snapshot format " + format
                        + "; this build reads formats " + FORMAT_WITHOUT_AVERAGES + " and " + FORMAT_VERSION);
            }
            ElcRecConfig config = (ElcRecConfig) deserialise(readBlock(in));
            long version = in.readLong();
            long stepCount = in.readLong();
            boolean centres = in.readBoolean();
            byte[] parameters = readBlock(in);
            byte[] optimizerState = readBlock(in);
            byte[] averagedParameters = format == FORMAT_WITHOUT_AVERAGES ? new byte[0] : readBlock(in);
            return new ModelSnapshot(config, version, stepCount, centres, parameters, optimizerState,
                    averagedParameters, readBlock(in), readBlock(in));
        } catch (IOException e) {
            throw new UncheckedIOException("Corrupt model snapshot", e);
        }
    }

    private static void writeBlock(DataOutputStream out, byte[] block) throws IOException {
        out.writeInt(block.length);
        out.write(block);
    }

    private static byte[] readBlock(DataInputStream in) throws IOException {
        byte[] block = new byte[in.readInt()];
        in.readFully(block);
        return block;
    }

    private static byte[] serialise(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    private static Object deserialise(byte[] bytes) throws IOException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return in.readObject();
        } catch (ClassNotFoundException e) {
            throw new IOException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSnapshot s
                && config.equals(s.config)
                && version == s.version
                && stepCount == s.stepCount
                && centresInitialised == s.centresInitialised
                && Arrays.equals(parameters, s.parameters)
                && Arrays.equals(optimizerState, s.optimizerState)
                && Arrays.equals(averagedParameters, s.averagedParameters)
                && Arrays.equals(rngState, s.rngState)
                && Arrays.equals(itemIndex, s.itemIndex);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(checksum()) * 31 + Long.hashCode(version);
    }

    @Override
    public String toString() {
        return "ModelSnapshot{version=" + version + ", step=" + stepCount + ", checksum="
                + Long.toHexString(checksum()) + "}";
    }
}
