package io.intentstream.model.cluster;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.intentstream.model.ContrastSimilarity;
import io.intentstream.model.Fusion;
import io.intentstream.model.tensor.Rows;
import io.intentstream.model.tensor.Scalars;

/**
 * The sequence contrast of ELCRec (spec §4, paper Eq. 4): NT-Xent over the 2b augmented views of a batch, after
 * fusing every view with an intent centre.
 *
 * <p>Usage in the training step (views encoded in training mode):
 * <pre>{@code
 * NDArray encoded1 = ..., encoded2 = ...;                         // (b, T, d) encoder outputs of the two views
 * NDArray loss = SequenceContrast.loss(encoded1, encoded2, centres, config.fusion(),
 *         SequenceContrast.CentreChoice.VIEW, config.temperature());
 * total = total.add(loss.mul(config.sequenceContrastWeight()));
 * }</pre>
 *
 * <p>As in the reference, a view is represented by all its T positions flattened, (b, T*d) after shift or
 * (b, T*2d) after concat, and similarities are raw dot products divided by the temperature (no normalisation).
 * The centre a view is fused with is chosen by {@link CentreChoice}:
 * <ul>
 *   <li>{@link CentreChoice#VIEW}: the nearest centre of the view's mean-pooled embedding (Eq. 5), added to or
 *       appended at every position ("each view is fused with its nearest centre");</li>
 *   <li>{@link CentreChoice#POSITION}: what the reference code does, the nearest centre of every position's own
 *       hidden state, per position.</li>
 * </ul>
 * Nearest centres are found on normalised vectors without gradient; the chosen centre rows are gathered from
 * {@code centres} ({@link Rows#gather}, whose gradient is bit-reproducible), so the loss is differentiable with
 * respect to the encoded views and the centres. The training step uses {@link CentreChoice#POSITION}.
 */
public final class SequenceContrast {

    /** Which nearest centre a view is fused with. */
    public enum CentreChoice {
        /** One centre per view: the nearest to its mean-pooled embedding. */
        VIEW,
        /** One centre per position: the nearest to that position's hidden state (the reference code). */
        POSITION
    }

    private SequenceContrast() {}

    /**
     * The fused NT-Xent loss of two encoded views.
     *
     * @param view1 (b, T, d) encoder output of the first view of each sequence
     * @param view2 (b, T, d) encoder output of the second view
     * @param centres (k, d) the centre parameter (unit rows, see {@link UnitRows#renormaliseInPlace})
     * @return scalar loss, mean over the 2b anchors
     */
    public static NDArray loss(NDArray view1, NDArray view2, NDArray centres, Fusion fusion, CentreChoice choice,
            float temperature) {
        return loss(view1, view2, centres, fusion, choice, temperature, ContrastSimilarity.DOT);
    }

    /** {@link #loss} comparing the fused, flattened views by {@code similarity}. */
    public static NDArray loss(NDArray view1, NDArray view2, NDArray centres, Fusion fusion, CentreChoice choice,
            float temperature, ContrastSimilarity similarity) {
        if (view1.getShape().dimension() != 3 || !view1.getShape().equals(view2.getShape())) {
            throw new IllegalArgumentException("views must both be (b, T, d), got " + view1.getShape() + " and "
                    + view2.getShape());
        }
        NDArray fused1 = fuse(view1, centreRows(view1, centres, choice), fusion);
        NDArray fused2 = fuse(view2, centreRows(view2, centres, choice), fusion);
        long b = view1.getShape().get(0);
        return ntXent(fused1.reshape(b, -1), fused2.reshape(b, -1), temperature, similarity);
    }

    /**
     * Fuses every position of {@code views} (b, T, d) with a centre row: SHIFT adds it, giving (b, T, d); CONCAT
     * appends it, giving (b, T, 2d).
     *
     * @param centreRows (b, d), one centre per view used at every position, or (b, T, d), one per position
     */
    public static NDArray fuse(NDArray views, NDArray centreRows, Fusion fusion) {
        NDArray perPosition = centreRows.getShape().dimension() == 2
                ? centreRows.expandDims(1).broadcast(views.getShape())
                : centreRows;
        if (!perPosition.getShape().equals(views.getShape())) {
            throw new IllegalArgumentException("centre rows " + centreRows.getShape() + " do not match views "
                    + views.getShape());
        }
        return switch (fusion) {
            case SHIFT -> views.add(perPosition);
            case CONCAT -> views.concat(perPosition, 2);
        };
    }

    /**
     * NT-Xent (SimCLR; the reference's {@code NCELoss} without de-noising) between two batches of n paired rows.
     *
     * <p>The 2n rows {@code z = [a; b]} are compared by {@code z_i . z_j / temperature}; row i's positive is its
     * pair (i+n mod 2n), its negatives every other row except itself. The result is the cross-entropy of the
     * positive, averaged over the 2n anchors.
     *
     * @param a (n, m)
     * @param b (n, m), {@code b[i]} the positive of {@code a[i]}
     */
    public static NDArray ntXent(NDArray a, NDArray b, float temperature) {
        return ntXent(a, b, temperature, ContrastSimilarity.DOT);
    }

    /**
     * {@link #ntXent(NDArray, NDArray, float)} with the rows compared by {@code similarity}: for
     * {@link ContrastSimilarity#COSINE} every row is L2-normalised first (with gradient through the normalisation).
     */
    public static NDArray ntXent(NDArray a, NDArray b, float temperature, ContrastSimilarity similarity) {
        if (similarity == ContrastSimilarity.COSINE) {
            a = UnitRows.normalise(a);
            b = UnitRows.normalise(b);
        }
        if (a.getShape().dimension() != 2 || !a.getShape().equals(b.getShape())) {
            throw new IllegalArgumentException("a and b must both be (n, m), got " + a.getShape() + " and "
                    + b.getShape());
        }
        requirePositive(temperature);
        long n = a.getShape().get(0);
        NDManager manager = a.getManager();
        NDArray z = a.concat(b, 0); // (2n, m)
        NDArray similarities = z.matMul(z.transpose()).div(Scalars.like(z, temperature)); // (2n, 2n)
        NDArray self = manager.eye(Math.toIntExact(2 * n)).toType(DataType.BOOLEAN, false); // (2n, 2n)
        NDArray excluded = manager.full(similarities.getShape(), Float.NEGATIVE_INFINITY,
                similarities.getDataType());
        NDArray logits = NDArrays.where(self, excluded, similarities);
        // Labels from libtorch ranges, not Java arrays: the gather's backward pass reads them.
        NDArray positives = manager.arange(n, 2 * n, 1L, DataType.INT64)
                .concat(manager.arange(0L, n, 1L, DataType.INT64)); // (2n): i + n mod 2n
        return crossEntropy(logits, positives);
    }

    /** Mean over rows of {@code -log softmax(logits)[row, label[row]]}. */
    static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray logProbabilities = logits.logSoftmax(1);
        NDArray picked = logProbabilities.gather(labels.reshape(-1, 1), 1); // (rows, 1)
        return picked.mean().neg();
    }

    static void requirePositive(float temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be positive, got " + temperature);
        }
    }

    private static NDArray centreRows(NDArray view, NDArray centres, CentreChoice choice) {
        NDArray chooser = switch (choice) {
            case VIEW -> view.mean(new int[] {1}); // (b, d), mean over all T positions, padding included
            case POSITION -> view; // (b, T, d)
        };
        return Rows.gather(centres, NearestCentre.nearest(chooser, centres));
    }
}
