package io.intentstream.model.cluster;

import ai.djl.ndarray.NDArray;
import io.intentstream.model.tensor.Scalars;

/**
 * The cluster loss of ELCRec (spec §3, paper Eq. 3): pull every embedding towards all centres, push the centres
 * apart.
 *
 * <p>Usage in the training step (b users, k centres, d dimensions):
 * <pre>{@code
 * NDArray h = UnitRows.normalise(pooled);                        // (b, d), pooled = mean over the T positions
 * NDArray loss = ClusterLoss.loss(h, centres);                   // centres (k, d), already unit rows
 * total = total.add(loss.mul(config.clusterLossWeight()));      // alpha
 * }</pre>
 *
 * <p>Two normalisations of the first (centre-spread) term exist:
 * <ul>
 *   <li>{@link Normalisation#REFERENCE}: the reference code,
 *       {@code L = (1/(bk)) sum_i sum_j ||h_i - c_j||^2 - (1/k^2) sum_i sum_j ||c_i - c_j||^2} (the k zero
 *       diagonal terms are kept in the mean);</li>
 *   <li>{@link Normalisation#PAPER}: the paper's text, the same with {@code 1/(k(k-1))} and {@code i != j}, i.e.
 *       the spread term is {@code k/(k-1)} times the reference's.</li>
 * </ul>
 *
 * <p>{@link #pairwise} computes the sums literally, in O(bkd + k^2 d). {@link #closedForm} (what {@link #loss}
 * uses) expands the squares: with {@code m_h}, {@code m_c} the means of the rows and {@code s_h}, {@code s_c} the
 * means of the squared row norms,
 * <pre>
 *   (1/(bk)) sum ||h_i - c_j||^2 = s_h + s_c - 2 m_h . m_c
 *   (1/k^2)  sum ||c_i - c_j||^2 = 2 s_c - 2 ||m_c||^2
 * </pre>
 * so the reference loss is {@code s_h - s_c + 2||m_c||^2 - 2 m_h . m_c}, in O(bd + kd). This identity holds for
 * any vectors, so the closed form has the same value and the same gradients as the pairwise form (up to rounding)
 * whether or not the rows are exactly unit. For unit rows ({@code s_h = s_c = 1}) it reduces to the spec's
 * {@code 2||m_c||^2 - 2 m_h . m_c} ({@link #unitClosedForm}), whose gradient with respect to the centres differs
 * from the reference's by a radial term; that is why training uses the general identity.
 *
 * <p>Inputs: {@code h} (b, d) and {@code centres} (k, d) should be L2-normalised rows (spec: the loss is defined
 * on unit vectors). Nothing is normalised here, so the caller chooses how gradients pass the normalisation: the
 * reference normalises h with gradient ({@link UnitRows#normalise}) and the centres in place without gradient
 * ({@link UnitRows#renormaliseInPlace}). Gradients flow to both arguments. Every method returns a scalar.
 *
 * <p>Constant factors are libtorch-owned scalars ({@link Scalars}), never Java numbers: the backward pass reads
 * them, and a Java-backed scalar would be freed before it runs. The training step calls {@link #loss}.
 */
public final class ClusterLoss {

    /** How the centre-spread term is averaged. */
    public enum Normalisation {
        /** Divide by k^2, the k zero diagonal terms included (the reference code). */
        REFERENCE,
        /** Divide by k(k-1), over the pairs i != j (the paper's Eq. 3). */
        PAPER
    }

    private ClusterLoss() {}

    /** The loss training uses: {@link #closedForm} with the reference normalisation. */
    public static NDArray loss(NDArray h, NDArray centres) {
        return closedForm(h, centres, Normalisation.REFERENCE);
    }

    /** The loss in O(bd + kd), exactly equal to {@link #pairwise} for any rows (see the class comment). */
    public static NDArray closedForm(NDArray h, NDArray centres, Normalisation normalisation) {
        int k = checkShapes(h, centres);
        NDArray meanH = h.mean(new int[] {0}); // (d)
        NDArray meanC = centres.mean(new int[] {0}); // (d)
        NDArray meanSquaredNormH = h.square().sum(new int[] {1}).mean(); // s_h
        NDArray meanSquaredNormC = centres.square().sum(new int[] {1}).mean(); // s_c
        NDArray two = Scalars.like(h, 2f);
        NDArray pull = meanSquaredNormH.add(meanSquaredNormC).sub(meanH.dot(meanC).mul(two)); // (1/(bk)) sum ||h-c||^2
        NDArray spreadOverKSquared = meanSquaredNormC.sub(meanC.dot(meanC)).mul(two); // (1/k^2) sum ||c_i-c_j||^2
        return pull.sub(scaleSpread(spreadOverKSquared, normalisation, k));
    }

    /** The loss summed pair by pair, as the reference codes it (O(bkd + k^2 d)); for tests and checks. */
    public static NDArray pairwise(NDArray h, NDArray centres, Normalisation normalisation) {
        int k = checkShapes(h, centres);
        NDArray pull = squaredDistances(h, centres).mean();
        NDArray spreadOverKSquared = squaredDistances(centres, centres).mean();
        return pull.sub(scaleSpread(spreadOverKSquared, normalisation, k));
    }

    /**
     * The spec's shortcut {@code 2||m_c||^2 - 2 m_h . m_c}, equal to the reference loss only when every row of
     * {@code h} and {@code centres} is a unit vector.
     */
    public static NDArray unitClosedForm(NDArray h, NDArray centres) {
        checkShapes(h, centres);
        NDArray meanH = h.mean(new int[] {0});
        NDArray meanC = centres.mean(new int[] {0});
        NDArray two = Scalars.like(h, 2f);
        return meanC.dot(meanC).mul(two).sub(meanH.dot(meanC).mul(two));
    }

    /**
     * All squared Euclidean distances between the rows of {@code x} (n, d) and {@code y} (m, d), as the
     * reference computes them: {@code ||x||^2 + ||y||^2 - 2 x . y}, shape (n, m). Differentiable.
     */
    public static NDArray squaredDistances(NDArray x, NDArray y) {
        NDArray xx = x.square().sum(new int[] {1}, true); // (n, 1)
        NDArray yy = y.square().sum(new int[] {1}).expandDims(0); // (1, m)
        return xx.add(yy).sub(x.matMul(y.transpose()).mul(Scalars.like(x, 2f)));
    }

    /**
     * The spread term as {@code normalisation} averages it: the reference's mean over all k^2 pairs as is, or
     * times k^2 / (k(k-1)) for the paper's mean over i != j.
     */
    private static NDArray scaleSpread(NDArray spreadOverKSquared, Normalisation normalisation, int k) {
        return switch (normalisation) {
            case REFERENCE -> spreadOverKSquared;
            case PAPER -> spreadOverKSquared.mul(Scalars.like(spreadOverKSquared, (float) k / (k - 1)));
        };
    }

    private static int checkShapes(NDArray h, NDArray centres) {
        if (h.getShape().dimension() != 2 || centres.getShape().dimension() != 2) {
            throw new IllegalArgumentException("h must be (b, d) and centres (k, d), got " + h.getShape() + " and "
                    + centres.getShape());
        }
        if (h.getShape().get(1) != centres.getShape().get(1)) {
            throw new IllegalArgumentException("h and centres must have the same width d, got " + h.getShape()
                    + " and " + centres.getShape());
        }
        int k = Math.toIntExact(centres.getShape().get(0));
        if (k < 2) {
            throw new IllegalArgumentException("the cluster loss needs at least 2 centres, got " + k);
        }
        return k;
    }
}
