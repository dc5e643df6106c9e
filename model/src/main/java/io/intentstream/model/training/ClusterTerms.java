package io.intentstream.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.intentstream.model.Fusion;
import io.intentstream.model.cluster.ClusterLoss;
import io.intentstream.model.cluster.IntentContrast;
import io.intentstream.model.cluster.NearestCentre;
import io.intentstream.model.cluster.SequenceContrast;
import io.intentstream.model.cluster.UnitRows;

/**
 * The cluster and contrastive terms of the objective as the training step computes them under autograd.
 *
 * <p>Each method has the value of its definition in {@code io.intentstream.model.cluster} (named on each method;
 * a test checks the values agree), and differs only in how it is built: scalars come from {@link Scalars},
 * labels from libtorch ranges, and centre rows from {@link Rows#gather}. That keeps freed Java buffers out of
 * the backward pass (see {@link Scalars}) and keeps gradients bit-reproducible (see {@link Rows}).
 */
public final class ClusterTerms {

    private ClusterTerms() {}

    /** {@link UnitRows#normalise}: {@code x / max(||x||, 1e-12)} along the last axis, differentiable. */
    public static NDArray unitRows(NDArray x) {
        int last = x.getShape().dimension() - 1;
        NDArray norms = x.norm(new int[] {last}, true).maximum(Scalars.like(x, UnitRows.EPSILON));
        return x.div(norms);
    }

    /**
     * {@link ClusterLoss#loss} (the reference's normalisation, closed form): with {@code m} the row means and
     * {@code s} the mean squared row norms, {@code s_h - s_c + 2||m_c||^2 - 2 m_h . m_c}.
     *
     * @param h (B, D) unit rows; @param centres (K, D) unit rows
     */
    public static NDArray clusterLoss(NDArray h, NDArray centres) {
        NDArray two = Scalars.like(h, 2f);
        NDArray meanH = h.mean(new int[] {0}); // (D)
        NDArray meanC = centres.mean(new int[] {0}); // (D)
        NDArray meanSquaredNormH = h.square().sum(new int[] {1}).mean(); // ()
        NDArray meanSquaredNormC = centres.square().sum(new int[] {1}).mean(); // ()
        NDArray pull = meanSquaredNormH.add(meanSquaredNormC).sub(meanH.dot(meanC).mul(two));
        NDArray spread = meanSquaredNormC.sub(meanC.dot(meanC)).mul(two);
        return pull.sub(spread);
    }

    /**
     * {@link SequenceContrast#ntXent}: NT-Xent over the 2n rows {@code [a; b]}, row i's positive its pair,
     * every other row but itself a negative, dot products over the temperature; mean over the 2n anchors.
     */
    public static NDArray ntXent(NDArray a, NDArray b, float temperature) {
        NDManager manager = a.getManager();
        long n = a.getShape().get(0);
        NDArray z = a.concat(b, 0); // (2n, m)
        NDArray similarity = z.matMul(z.transpose()).div(Scalars.like(z, temperature)); // (2n, 2n)
        NDArray self = manager.eye(Math.toIntExact(2 * n)).toType(DataType.BOOLEAN, false); // (2n, 2n)
        NDArray excluded = manager.full(similarity.getShape(), Float.NEGATIVE_INFINITY, similarity.getDataType());
        NDArray logits = NDArrays.where(self, excluded, similarity);
        NDArray positives = manager.arange(n, 2 * n, 1L, DataType.INT64)
                .concat(manager.arange(0L, n, 1L, DataType.INT64)); // (2n): i + n mod 2n
        NDArray picked = logits.logSoftmax(1).gather(positives.reshape(-1, 1), 1); // (2n, 1)
        return picked.mean().neg();
    }

    /**
     * {@link SequenceContrast#loss} with {@link SequenceContrast.CentreChoice#POSITION} (the reference): every
     * position of each view fused with its own nearest centre, the views flattened, then {@link #ntXent}.
     *
     * @param first (B, T, D) encoded first views; @param second (B, T, D) encoded second views
     */
    public static NDArray sequenceContrast(NDArray first, NDArray second, NDArray centres, Fusion fusion,
            float temperature) {
        long b = first.getShape().get(0);
        NDArray fused1 = SequenceContrast.fuse(first, Rows.gather(centres, NearestCentre.nearest(first, centres)),
                fusion); // (B, T, D or 2D)
        NDArray fused2 = SequenceContrast.fuse(second, Rows.gather(centres, NearestCentre.nearest(second, centres)),
                fusion);
        return ntXent(fused1.reshape(b, -1), fused2.reshape(b, -1), temperature);
    }

    /**
     * {@link IntentContrast#loss} in its {@link IntentContrast.Form#REFERENCE_NT_XENT} form: each view's mean
     * pooling contrasted with the centres assigned to the original sequences, averaged over the two views.
     *
     * @param intent (B) int64, the centre of each original sequence
     */
    public static NDArray intentContrast(NDArray first, NDArray second, NDArray centres, NDArray intent,
            float temperature) {
        NDArray positives = Rows.gather(centres, intent); // (B, D), gradient flows to the centres
        NDArray firstLoss = ntXent(first.mean(new int[] {1}), positives, temperature);
        NDArray secondLoss = ntXent(second.mean(new int[] {1}), positives, temperature);
        return NDArrays.stack(new NDList(firstLoss, secondLoss)).mean();
    }
}
