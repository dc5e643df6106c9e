package io.intentstream.model.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.training.TorchThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The matrix products of one full ELCRec training step ({@link StepFlops#fullStep}) at their own shapes, each
 * timed alone through the engine, so that the step's achieved GFLOP/s can be set against what its products reach
 * at their shapes rather than against a large square product.
 *
 * <p>A product Y = A·B on the gradient path also runs as dA = dY·Bᵀ and dB = Aᵀ·dY in the backward pass; those two
 * have other shapes (for a (m, k)·(k, n) product: (m, n)·(n, k) and (k, m)·(m, n)) and are timed as their own
 * entries. {@link #ceiling} is the step's product FLOPs over the summed times of all its products: the rate the
 * step would reach if nothing but its matrix products took time.
 */
public final class StepGemms {

    /**
     * One product shape of the step: {@code batch} independent (m, k)·(k, n) products, run {@code perStep} times
     * per step.
     */
    public record Product(String name, long batch, long m, long k, long n, int perStep) {
        public double flops() {
            return 2.0 * batch * m * k * n;
        }
    }

    /** One product's measured rate. */
    public record Measured(Product product, Timings timings) {
        public double secondsPerStep() {
            return product.perStep() * timings.medianSeconds();
        }
    }

    private StepGemms() {}

    /**
     * The products of a full step on {@code batch} sequences, trained at the last position only (as the online
     * trainer does); with a softmax cross-entropy, its (batch, d)·(d, items or sample) logits too. (BCE's two dot
     * products per position are not matrix products and are left out.)
     */
    public static List<Product> fullStep(ElcRecConfig config, int batch) {
        long t = config.maxSequenceLength();
        long d = config.hiddenSize();
        long h = config.heads();
        long k = config.clusters();
        long items = config.itemCount();
        List<Product> products = new ArrayList<>();
        // The original batch (next-item loss) and the two augmented views as one batch of 2B: 3B sequences.
        int layers = config.layers();
        for (long sequences : new long[] {batch, 2L * batch}) {
            String of = sequences == batch ? " (B)" : " (2B views)";
            withGradient(products, "query/key/value" + of, 1, sequences * t, d, 3 * d, layers);
            withGradient(products, "attention scores" + of, sequences * h, t, d / h, t, layers);
            withGradient(products, "attention values" + of, sequences * h, t, t, d / h, layers);
            withGradient(products, "attention output" + of, 1, sequences * t, d, d, layers);
            withGradient(products, "feed-forward expand" + of, 1, sequences * t, d, 4 * d, layers);
            withGradient(products, "feed-forward contract" + of, 1, sequences * t, 4 * d, d, layers);
            if (config.lowPassWeight() > 0) {
                // The causal filter's (T, T) smoothing of each sequence's (T, d) states.
                withGradient(products, "low-pass filter" + of, sequences, t, t, d, layers);
            }
        }
        switch (config.nextItemLoss()) {
            case SOFTMAX_CE -> withGradient(products, "next-item logits", 1, batch, d, items, 1);
            case SAMPLED_SOFTMAX -> {
                if (items <= config.sampledNegatives()) {
                    withGradient(products, "next-item logits", 1, batch, d, items, 1);
                } else {
                    withGradient(products, "next-item sampled logits", 1, batch, d, config.sampledNegatives(), 1);
                    // The positive logits are row-wise dot products: counted as a batch of (1, d)·(d, 1).
                    withGradient(products, "next-item positive logits", batch, 1, d, 1, 1);
                }
            }
            case BCE_ONE_NEGATIVE -> { }
        }
        products.add(new Product("nearest centre per view position", 1, 2L * batch * t, d, k, 1));
        products.add(new Product("nearest centre per sequence", 1, batch, d, k, 1));
        long fused = switch (config.fusion()) {
            case SHIFT -> t * d;
            case CONCAT -> 2 * t * d;
        };
        withGradient(products, "sequence contrast", 1, 2L * batch, fused, 2L * batch, 1);
        withGradient(products, "intent contrast", 1, 2L * batch, d, 2L * batch, 2);
        return products;
    }

    private static void withGradient(List<Product> products, String name, long batch, long m, long k, long n,
            int perStep) {
        products.add(new Product(name, batch, m, k, n, perStep));
        products.add(new Product(name + " dA", batch, m, n, k, perStep));
        products.add(new Product(name + " dB", batch, k, m, n, perStep));
    }

    /** Times every product alone: {@code minRuns} at least, and more within {@code budgetEach}. */
    public static List<Measured> measure(List<Product> products, int minRuns, Duration budgetEach) {
        TorchThreads.engine();
        List<Measured> measured = new ArrayList<>(products.size());
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (Product p : products) {
                try (NDManager scope = manager.newSubManager()) {
                    NDArray a = scope.randomUniform(-1f, 1f, shape(p.batch(), p.m(), p.k()), DataType.FLOAT32);
                    NDArray b = scope.randomUniform(-1f, 1f, shape(p.batch(), p.k(), p.n()), DataType.FLOAT32);
                    a.matMul(b).close();
                    Timings.Recorder recorder = new Timings.Recorder(p.flops());
                    long deadline = System.nanoTime() + budgetEach.toNanos();
                    while (recorder.count() < minRuns || System.nanoTime() < deadline) {
                        long start = System.nanoTime();
                        a.matMul(b).close();
                        recorder.add(System.nanoTime() - start);
                    }
                    measured.add(new Measured(p, recorder.timings()));
                }
            }
        }
        return measured;
    }

    /** The step's product FLOPs over the summed time of its products at their measured rates, in GFLOP/s. */
    public static double ceiling(List<Measured> measured) {
        double flops = 0;
        double seconds = 0;
        for (Measured m : measured) {
            flops += m.product().perStep() * m.product().flops();
            seconds += m.secondsPerStep();
        }
        return flops / seconds / 1e9;
    }

    private static Shape shape(long batch, long rows, long columns) {
        return batch == 1 ? new Shape(rows, columns) : new Shape(batch, rows, columns);
    }
}
