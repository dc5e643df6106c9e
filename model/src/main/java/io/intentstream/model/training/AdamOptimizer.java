package io.intentstream.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Adam with PyTorch's semantics (bias-corrected moments, epsilon added after the bias-corrected square root,
 * no weight decay) over parameter arrays it does not own, with first and second moments it does own.
 *
 * <p>Written here rather than taken from DJL so that the moments and the step count can be snapshotted and
 * restored bit-exactly. Every update runs with autograd off and in place on the parameter arrays.
 */
public final class AdamOptimizer implements AutoCloseable {

    private static final int STATE_FORMAT = 1;

    private final List<String> names;
    private final List<NDArray> parameters;
    private final List<NDArray> firstMoments = new ArrayList<>();
    private final List<NDArray> secondMoments = new ArrayList<>();
    private final float learningRate;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private long stepCount;

    /**
     * @param manager where the moments live: it must outlive the optimiser and not be a per-step scope
     */
    public AdamOptimizer(NDManager manager, List<String> names, List<NDArray> parameters, float learningRate,
            float beta1, float beta2, float epsilon) {
        if (names.size() != parameters.size()) {
            throw new IllegalArgumentException("one name per parameter expected");
        }
        this.names = List.copyOf(names);
        this.parameters = List.copyOf(parameters);
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        for (NDArray parameter : parameters) {
            firstMoments.add(manager.zeros(parameter.getShape(), parameter.getDataType(), parameter.getDevice()));
            secondMoments.add(manager.zeros(parameter.getShape(), parameter.getDataType(), parameter.getDevice()));
        }
    }

    public long stepCount() {
        return stepCount;
    }

    /**
     * One update of every parameter {@code i} with {@code active[i]}, from the gradients left by the last
     * backward pass. An inactive parameter is skipped entirely (moments not decayed), as PyTorch skips
     * parameters whose gradient is None. Temporaries are created in the caller's scope.
     */
    public void step(boolean[] active) {
        stepCount++;
        double biasCorrection1 = 1 - Math.pow(beta1, stepCount);
        double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, stepCount));
        float stepSize = (float) (learningRate / biasCorrection1);
        try (GradMode ignored = GradMode.disabled()) {
            for (int i = 0; i < parameters.size(); i++) {
                if (!active[i]) {
                    continue;
                }
                NDArray parameter = parameters.get(i);
                NDArray gradient = parameter.getGradient();
                NDArray m = firstMoments.get(i);
                NDArray v = secondMoments.get(i);
                m.muli(beta1).addi(gradient.mul(1.0 - beta1));
                v.muli(beta2).addi(gradient.mul(gradient).muli(1.0 - beta2));
                NDArray denominator = v.sqrt().divi(biasCorrection2Sqrt).addi(epsilon);
                parameter.subi(m.div(denominator).muli(stepSize));
            }
        }
    }

    /** Zeroes the accumulated gradient of every parameter (libtorch adds each backward pass to it). */
    public void zeroGradients() {
        for (NDArray parameter : parameters) {
            JniUtils.zeroGrad((PtNDArray) parameter);
        }
    }

    /** Zeroes both moments of the given rows of parameter {@code index}, e.g. after those rows were re-drawn. */
    public void resetRows(int index, NDArray rows) {
        try (GradMode ignored = GradMode.disabled()) {
            for (NDArray moment : List.of(firstMoments.get(index), secondMoments.get(index))) {
                Shape rowShape = new Shape(rows.size(), moment.getShape().get(1));
                moment.set(new NDIndex("{}", rows), moment.getManager().zeros(rowShape, moment.getDataType(),
                        moment.getDevice()));
            }
        }
    }

    /** Step count, then per parameter its name and both moments' raw bytes. */
    public byte[] encodeState() {
        ExactBytes bytes = new ExactBytes(encodedStateSize());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeState(out, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.bytes();
    }

    /** Bytes {@link #encodeState()} returns. */
    public int encodedStateSize() {
        int size = 4 + 8 + 4;
        for (int i = 0; i < parameters.size(); i++) {
            size += ExactBytes.utfSize(names.get(i)) + TensorCodec.encodedSize(firstMoments.get(i))
                    + TensorCodec.encodedSize(secondMoments.get(i));
        }
        return size;
    }

    /**
     * Writes what {@link #encodeState()} returns to {@code out}, which writes to {@code sink}: for encoders that
     * place the state inside a larger array without a copy of their own.
     */
    public void writeState(DataOutputStream out, ExactBytes sink) throws IOException {
        out.writeInt(STATE_FORMAT);
        out.writeLong(stepCount);
        out.writeInt(parameters.size());
        for (int i = 0; i < parameters.size(); i++) {
            out.writeUTF(names.get(i));
            TensorCodec.write(out, sink, firstMoments.get(i));
            TensorCodec.write(out, sink, secondMoments.get(i));
        }
    }

    /** The inverse of {@link #encodeState()}; names, shapes and types must match this optimiser's. */
    public void restoreState(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded));
                GradMode ignored = GradMode.disabled()) {
            int format = in.readInt();
            if (format != STATE_FORMAT) {
                throw new IllegalArgumentException("unsupported optimiser state format " + format);
            }
            long steps = in.readLong();
            int count = in.readInt();
            if (count != parameters.size()) {
                throw new IllegalArgumentException(
                        "optimiser state has " + count + " parameters, the model " + parameters.size());
            }
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                if (!name.equals(names.get(i))) {
                    throw new IllegalArgumentException(
                            "optimiser state parameter " + i + " is '" + name + "', expected '" + names.get(i) + "'");
                }
                TensorCodec.readInto(in, firstMoments.get(i));
                TensorCodec.readInto(in, secondMoments.get(i));
            }
            stepCount = steps;
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt optimiser state", e);
        }
    }

    @Override
    public void close() {
        firstMoments.forEach(NDArray::close);
        secondMoments.forEach(NDArray::close);
    }
}
