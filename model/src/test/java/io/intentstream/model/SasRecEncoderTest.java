package io.intentstream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.intentstream.model.encoder.ElcRecNetwork;
import io.intentstream.model.tensor.NativeMemoryChurn;
import io.intentstream.model.tensor.Scalars;
import io.intentstream.model.training.GradMode;
import io.intentstream.model.training.TrainingLock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SasRecEncoderTest {

    private static final int T = ModelFixtures.LENGTH;
    private static final int D = 16;

    private NDManager manager;
    private ElcRecNetwork network;
    private ParameterStore store;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
        network = new ElcRecNetwork(ModelFixtures.tiny().build());
        network.initialize(manager);
        store = new ParameterStore(manager, false);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @ParameterizedTest
    @EnumSource(EncoderVariant.class)
    void changingLaterPositionsNeverChangesEarlierOutputs(EncoderVariant variant) {
        network = new ElcRecNetwork(variant.configure(ModelFixtures.tiny()).build());
        network.initialize(manager);
        SplittableRandom random = new SplittableRandom(3);
        int padding = 2;
        int[] base = randomRow(random, padding);
        float[][] before = encode(base);
        for (int t = padding; t < T - 1; t++) {
            int[] changed = base.clone();
            for (int later = t + 1; later < T; later++) {
                changed[later] = 1 + random.nextInt(ModelFixtures.ITEMS);
            }
            float[][] after = encode(changed);
            for (int earlier = padding; earlier <= t; earlier++) {
                assertThat(after[earlier]).as("position %d after changing positions > %d", earlier, t)
                        .containsExactly(before[earlier], within(1e-6f));
            }
            assertThat(after[T - 1]).as("the last position sees the change").isNotEqualTo(before[T - 1]);
        }
    }

    @ParameterizedTest
    @EnumSource(value = PositionEncoding.class, names = {"FROM_START", "DISTANCE"})
    void prefixConsistentPositionsReadEveryPrefixAsItWouldBeScoredAlone(PositionEncoding positions) {
        network = new ElcRecNetwork(ModelFixtures.tiny().positionEncoding(positions).build());
        network.initialize(manager);
        int padding = 2;
        int[] row = randomRow(new SplittableRandom(7), padding);
        float[][] untrainedDistances = encode(row);
        // Distance scores start at 0; give every distance its own score so that a wrong distance shows.
        network.getParameters().forEach(named -> {
            if (named.getKey().contains("distance_scores")) {
                named.getValue().getArray().set(manager.randomNormal(named.getValue().getArray().getShape())
                        .toFloatArray());
            }
        });
        float[][] whole = encode(row);
        if (positions == PositionEncoding.DISTANCE) {
            assertThat(whole[T - 1]).as("the distance scores count").isNotEqualTo(untrainedDistances[T - 1]);
        }
        for (int t = padding; t < T - 1; t++) {
            float[][] prefixAlone = encode(prefixScoredAlone(row, padding, t));
            assertThat(whole[t]).as("position %d of the whole window", t)
                    .containsExactly(prefixAlone[T - 1], within(1e-5f));
        }
    }

    @Test
    void windowPositionsPlaceAPrefixOnOtherRowsThanWhenItIsScoredAlone() {
        int padding = 2;
        int[] row = randomRow(new SplittableRandom(7), padding);
        int t = T / 2;
        assertThat(encode(row)[t]).isNotEqualTo(encode(prefixScoredAlone(row, padding, t))[T - 1]);
    }

    @Test
    void theLowPassFilterChangesTheOutput() {
        int[] row = randomRow(new SplittableRandom(13), 2);
        float[][] attentionAlone = encode(row);
        network = new ElcRecNetwork(EncoderVariant.LOW_PASS.configure(ModelFixtures.tiny()).build());
        network.initialize(manager);
        float[][] withFilter = encode(row);
        assertThat(withFilter[T - 1]).isNotEqualTo(attentionAlone[T - 1]);
    }

    /** The encoder's settings that change what a position may read. */
    /**
     * Every parameter's gradient is bit-identical whether or not a garbage collection, with the freed native memory
     * reused, falls between the forward and the backward pass. An operand that aliases Java memory (a number passed
     * to {@code mul}, an array made from a Java array) fails this: autograd reads it again in the backward pass
     * ({@link Scalars}). The filter's mixing weights once did, and about half the
     * runs of the full model with the filter froze when such a read returned garbage (docs/results.md).
     */
    @ParameterizedTest
    @EnumSource(EncoderVariant.class)
    void encoderGradientsSurviveGarbageCollection(EncoderVariant variant) throws InterruptedException {
        network = new ElcRecNetwork(variant.configure(ModelFixtures.tiny()).build());
        network.initialize(manager);
        List<float[]> calm = encoderGradients(false);
        for (int trial = 0; trial < 3; trial++) {
            List<float[]> churned = encoderGradients(true);
            for (int p = 0; p < calm.size(); p++) {
                assertThat(churned.get(p)).as("%s trial %d, parameter %d", variant, trial, p)
                        .containsExactly(calm.get(p));
            }
        }
    }

    private List<float[]> encoderGradients(boolean churn) throws InterruptedException {
        SplittableRandom random = new SplittableRandom(11);
        long[] rows = new long[4 * T];
        for (int b = 0; b < 4; b++) {
            System.arraycopy(toLong(randomRow(random, b)), 0, rows, b * T, T);
        }
        List<Parameter> parameters = network.getParameters().values();
        try (TrainingLock.Held ignored = TrainingLock.acquire(); NDManager step = manager.newSubManager()) {
            NDArray ids;
            try (NDArray javaBacked = step.create(rows, new Shape(4, T))) {
                ids = javaBacked.duplicate(); // libtorch-owned: the embedding's backward reads the ids
            }
            step.getEngine().setRandomSeed(5); // the same dropout masks in every pass
            try (GradientCollector collector = step.getEngine().newGradientCollector()) {
                NDArray out = network.forward(store, new NDList(ids), true).singletonOrThrow(); // (B, T, D)
                NDArray projection = step.randomNormal(out.getShape()); // libtorch-owned
                NDArray loss = out.mul(projection).sum();
                if (churn) {
                    NativeMemoryChurn.churn();
                }
                collector.backward(loss);
            }
            List<float[]> gradients = new ArrayList<>();
            for (Parameter parameter : parameters) {
                NDArray gradient = parameter.getArray().getGradient();
                gradients.add(gradient.toFloatArray());
                gradient.subi(gradient); // libtorch accumulates gradients across backward passes
            }
            return gradients;
        }
    }

    enum EncoderVariant {
        REFERENCE,
        DISTANCE_SCORES,
        LOW_PASS,
        LOW_PASS_WITH_WAVELET;

        ElcRecConfig.Builder configure(ElcRecConfig.Builder builder) {
            return switch (this) {
                case REFERENCE -> builder;
                case DISTANCE_SCORES -> builder.positionEncoding(PositionEncoding.DISTANCE);
                case LOW_PASS -> builder.lowPassWeight(0.7f).lowPassCutoff(5);
                case LOW_PASS_WITH_WAVELET -> builder.lowPassWeight(0.7f).lowPassCutoff(5).waveletWeight(0.3f);
            };
        }
    }

    @Test
    void paddingKeysDoNotInfluenceItemPositions() {
        int padding = 3;
        int[] row = randomRow(new SplittableRandom(5), padding);
        float[][] before = encode(row);
        try (GradMode ignored = GradMode.disabled()) {
            NDArray table = network.itemTable().getArray();
            table.set(new NDIndex("0"), table.get(new NDIndex("0")).add(5f));
        }
        float[][] after = encode(row);
        for (int t = padding; t < T; t++) {
            assertThat(after[t]).as("item position %d", t).containsExactly(before[t], within(1e-6f));
        }
        assertThat(after[0]).as("the padding position itself changed").isNotEqualTo(before[0]);
    }

    @Test
    void outputHasShapeBatchByLengthByHidden() {
        NDArray ids = manager.create(new long[3 * T], new Shape(3, T));
        NDArray out = network.forward(store, new NDList(ids), false).singletonOrThrow();
        assertThat(out.getShape()).isEqualTo(new Shape(3, T, D));
        assertThat(network.getOutputShapes(new Shape[] {new Shape(3, T)})[0]).isEqualTo(new Shape(3, T, D));
    }

    @Test
    void initialisationFollowsTheReference() {
        float initRange = 0.02f;
        for (Parameter parameter : network.getParameters().values()) {
            float[] values = parameter.getArray().toFloatArray();
            switch (parameter.getType()) {
                case WEIGHT -> {
                    double mean = 0;
                    double squares = 0;
                    for (float v : values) {
                        mean += v;
                        squares += v * v;
                    }
                    mean /= values.length;
                    double std = Math.sqrt(squares / values.length - mean * mean);
                    assertThat(std).as("std of %s", parameter.getName()).isCloseTo(initRange, within(0.004));
                }
                case BIAS, BETA -> assertThat(values).as(parameter.getName()).containsOnly(0f);
                case GAMMA -> assertThat(values).as(parameter.getName()).containsOnly(1f);
                default -> assertThat(parameter.getName()).isEqualTo("centres");
            }
        }
    }

    @Test
    void trainingModeAppliesDropoutAndEvaluationModeDoesNot() {
        int[] row = randomRow(new SplittableRandom(11), 0);
        NDArray ids = manager.create(toLong(row), new Shape(1, T));
        float[] evalA = network.forward(store, new NDList(ids), false).singletonOrThrow().toFloatArray();
        float[] evalB = network.forward(store, new NDList(ids), false).singletonOrThrow().toFloatArray();
        float[] train = network.forward(store, new NDList(ids), true).singletonOrThrow().toFloatArray();
        assertThat(evalB).containsExactly(evalA);
        assertThat(train).isNotEqualTo(evalA);
    }

    @Test
    void geluIsTheExactErfForm() {
        float[] xs = {-3f, -1f, -0.5f, 0f, 0.3f, 1f, 2.5f};
        float[] gelu = Activation.gelu(manager.create(xs)).toFloatArray();
        for (int i = 0; i < xs.length; i++) {
            double exact = 0.5 * xs[i] * (1 + Erf.erf(xs[i] / Math.sqrt(2)));
            assertThat((double) gelu[i]).as("gelu(%s)", xs[i]).isCloseTo(exact, within(1e-6));
        }
    }

    /** Encoder outputs (T, D) of one row in evaluation mode. */
    private float[][] encode(int[] row) {
        try (GradMode ignored = GradMode.disabled()) {
            NDArray ids = manager.create(toLong(row), new Shape(1, T));
            float[] flat = network.forward(store, new NDList(ids), false).singletonOrThrow().toFloatArray();
            float[][] out = new float[T][D];
            for (int t = 0; t < T; t++) {
                System.arraycopy(flat, t * D, out[t], 0, D);
            }
            return out;
        }
    }

    /** Items {@code row[first..last]} left-padded to T, as the scorer sees a history that ends at {@code last}. */
    private static int[] prefixScoredAlone(int[] row, int first, int last) {
        int[] prefix = new int[T];
        int length = last - first + 1;
        System.arraycopy(row, first, prefix, T - length, length);
        return prefix;
    }

    private static int[] randomRow(SplittableRandom random, int padding) {
        int[] row = new int[T];
        for (int t = padding; t < T; t++) {
            row[t] = 1 + random.nextInt(ModelFixtures.ITEMS);
        }
        return row;
    }

    private static long[] toLong(int[] row) {
        long[] out = new long[row.length];
        for (int i = 0; i < row.length; i++) {
            out[i] = row[i];
        }
        return out;
    }
}
