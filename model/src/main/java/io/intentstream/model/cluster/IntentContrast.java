package io.intentstream.model.cluster;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.intentstream.model.ContrastSimilarity;
import io.intentstream.model.tensor.Rows;
import io.intentstream.model.tensor.Scalars;

/**
 * The intent contrast of ELCRec (spec §4, paper Eq. 6): each augmented view of a sequence is pulled towards the
 * intent centre of the ORIGINAL sequence and pushed from the centres of the other users in the batch.
 *
 * <p>Usage in the training step:
 * <pre>{@code
 * NDArray intent = NearestCentre.nearest(pooledOriginal, centres);    // (b) int64, Eq. 5 on the original
 * NDArray loss = IntentContrast.loss(pooledView1, pooledView2, centres, intent, config.temperature(),
 *         IntentContrast.Form.REFERENCE_NT_XENT);
 * total = total.add(loss.mul(config.intentContrastWeight()));
 * }</pre>
 *
 * <p>Decisions (the spec is silent on both; they follow the reference code):
 * <ul>
 *   <li>the centre side gets a gradient: positives and negatives are rows gathered from the centre parameter,
 *       so the loss trains the centres as well as the encoder (centres are trainable parameters);</li>
 *   <li>the view embeddings are NOT normalised: the reference contrasts raw mean-pooled hidden states with the
 *       unit-norm centres, by dot product over the temperature.</li>
 * </ul>
 * Other users who share the anchor's intent contribute a negative equal to its positive; like the reference
 * without its optional {@code --de_noise} (off in every published run), these false negatives are kept.
 */
public final class IntentContrast {

    /** The two readings of Eq. 6. */
    public enum Form {
        /**
         * InfoNCE as the paper's text reads: anchor = view i, positive = the centre of user i, negatives = the
         * centres of the other users of the batch; averaged over the b anchors and the two views.
         */
        INFO_NCE,
        /**
         * What the reference code computes ({@code PCLoss} = {@code NCELoss(view, centres)}): NT-Xent between the b
         * views and the b assigned centres, so the centres are anchors too and other views are negatives as
         * well; averaged over the two views. Use this to reproduce the published numbers.
         */
        REFERENCE_NT_XENT
    }

    private IntentContrast() {}

    /**
     * @param pooled1 (b, d) mean-pooled encoding of the first view of each sequence
     * @param pooled2 (b, d) mean-pooled encoding of the second view
     * @param centres (k, d) the centre parameter
     * @param intent (b) int64, the centre assigned to each ORIGINAL sequence ({@link NearestCentre#nearest})
     * @return scalar loss, the mean of the two views' losses
     */
    public static NDArray loss(NDArray pooled1, NDArray pooled2, NDArray centres, NDArray intent, float temperature,
            Form form) {
        return loss(pooled1, pooled2, centres, intent, temperature, form, ContrastSimilarity.DOT);
    }

    /** {@link #loss} comparing views and centres by {@code similarity}. */
    public static NDArray loss(NDArray pooled1, NDArray pooled2, NDArray centres, NDArray intent, float temperature,
            Form form, ContrastSimilarity similarity) {
        if (similarity == ContrastSimilarity.COSINE) {
            pooled1 = UnitRows.normalise(pooled1);
            pooled2 = UnitRows.normalise(pooled2);
            centres = UnitRows.normalise(centres);
        }
        if (pooled1.getShape().dimension() != 2 || !pooled1.getShape().equals(pooled2.getShape())) {
            throw new IllegalArgumentException("pooled views must both be (b, d), got " + pooled1.getShape()
                    + " and " + pooled2.getShape());
        }
        if (intent.getShape().dimension() != 1 || intent.getShape().get(0) != pooled1.getShape().get(0)) {
            throw new IllegalArgumentException("intent must be (b) with b = " + pooled1.getShape().get(0) + ", got "
                    + intent.getShape());
        }
        SequenceContrast.requirePositive(temperature);
        NDArray positives = Rows.gather(centres, intent); // (b, d), gradient flows to the centres
        return switch (form) {
            case INFO_NCE -> meanOfTwo(infoNce(pooled1, positives, temperature),
                    infoNce(pooled2, positives, temperature));
            case REFERENCE_NT_XENT -> meanOfTwo(SequenceContrast.ntXent(pooled1, positives, temperature),
                    SequenceContrast.ntXent(pooled2, positives, temperature));
        };
    }

    /** Cross-entropy of row i of {@code anchors . positives^T / temperature} against column i. */
    private static NDArray infoNce(NDArray anchors, NDArray positives, float temperature) {
        NDManager manager = anchors.getManager();
        int b = Math.toIntExact(anchors.getShape().get(0));
        NDArray logits = anchors.matMul(positives.transpose()).div(Scalars.like(anchors, temperature)); // (b, b)
        return SequenceContrast.crossEntropy(logits, manager.arange(0L, (long) b, 1L, DataType.INT64));
    }

    /** The mean of two scalar losses, without a Java-backed divisor in the graph (see {@link Scalars}). */
    private static NDArray meanOfTwo(NDArray first, NDArray second) {
        return NDArrays.stack(new NDList(first, second)).mean();
    }
}
