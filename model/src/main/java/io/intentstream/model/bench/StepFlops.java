package io.intentstream.model.bench;

import io.intentstream.model.ElcRecConfig;

/**
 * Analytic floating-point operation counts of one model step, for turning measured step times into GFLOP/s.
 *
 * <p>How it counts:
 * <ul>
 *   <li>Only matrix products are counted, at 2 FLOPs per multiply-add: an (m, k) x (k, n) product is 2mkn. These
 *       are the operations the matmul peak measures; LayerNorm, softmax, GELU, dropout, gathers and the Adam
 *       update are memory-bound element-wise work of O(B·T·d) each (at B 256, T 50, d 64 about 0.8 M elements,
 *       a few percent of the products' FLOPs per pass) and are left out, so the achieved GFLOP/s is a lower
 *       bound of what the processor did.</li>
 *   <li>Encoder, per sequence and layer (d = hidden size, T = sequence length): the fused query/key/value
 *       projection 2·T·d·3d, the attention scores 2·T·T·d (all heads together: H·T·T·(d/H)), the weighted values
 *       2·T·T·d, the output projection 2·T·d·d and the feed-forward 2·T·d·4d twice: 24·T·d² + 4·T²·d. The
 *       embedding lookup is a gather (0 FLOPs). A low-pass filter adds its (T, T) x (T, d) smoothing, 2·T²·d.</li>
 *   <li>Backward: every product Y = A·B needs dA = dY·Bᵀ and dB = Aᵀ·dY, two products of the same size, so a
 *       product on the gradient path costs 3x its forward FLOPs in a training step. Products that take no
 *       gradient (nearest-centre searches) count once.</li>
 *   <li>Inference ({@code ElcRecModel.score}): the encoder in evaluation mode, the nearest and runner-up centre
 *       of the pooled embedding (2·B·k·d) and the scores of every live item for the last position
 *       (2·B·d·live).</li>
 *   <li>Next-item training (contrasts and cluster loss off): encoder forward and backward, and the loss: with
 *       BCE two dot products (one positive, one negative item) per trained position, 2·2·d each; with the softmax
 *       cross-entropy (the non-reference presets) the logits of every trained position against every item row,
 *       2·positions·d·items, forward and backward; with the sampled softmax against the S sampled rows and the
 *       position's own target, 2·positions·d·(S + 1). (Before 2026-11-27 the count used the BCE term for both
 *       losses, which left the cross-entropy's logits out: the beauty preset's step was under-counted by
 *       1.19 GFLOP, 22% of the next-item step and 6% of the full one.)</li>
 *   <li>The full objective adds: the two augmented views encoded as one batch of 2B (forward and backward), the
 *       nearest centre of every view position (2·2B·T·k·d, no gradient) and of every pooled original
 *       (2·B·k·d), the sequence contrast's (2B, T·d) x (T·d, 2B) similarity (with gradient), and the intent
 *       contrast's two NT-Xents, each over the 2B rows of one view's pooled embeddings and the assigned centres,
 *       2·(2B)²·d each (with gradient).
 *       The cluster loss uses its closed form, O((B + k)·d), and is negligible.</li>
 * </ul>
 */
public final class StepFlops {

    private StepFlops() {}

    /** Matrix-product FLOPs of one forward pass of the encoder over {@code sequences} sequences. */
    public static double encoderForward(ElcRecConfig config, int sequences) {
        double t = config.maxSequenceLength();
        double d = config.hiddenSize();
        // The filter's (T, T) smoothing; its Haar branch, if any, shifts by slicing and adds no product.
        double lowPass = config.lowPassWeight() > 0 ? 2 * t * t * d : 0;
        double perLayer = 24 * t * d * d + 4 * t * t * d + lowPass;
        return (double) sequences * config.layers() * perLayer;
    }

    /** FLOPs of {@code ElcRecModel.score} on {@code batch} sequences with {@code liveItems} candidate items. */
    public static double inference(ElcRecConfig config, int batch, int liveItems) {
        double d = config.hiddenSize();
        return encoderForward(config, batch)
                + 2.0 * batch * config.clusters() * d
                + 2.0 * batch * d * liveItems;
    }

    /** FLOPs of a next-item-only training step (forward and backward) with {@code trainedPositions} targets. */
    public static double nextItemStep(ElcRecConfig config, int batch, int trainedPositions) {
        double d = config.hiddenSize();
        double loss = switch (config.nextItemLoss()) {
            case BCE_ONE_NEGATIVE -> 2.0 * 2 * d * trainedPositions;
            // Every trained position against every item row: (positions, d)·(d, items).
            case SOFTMAX_CE -> 2.0 * trainedPositions * d * config.itemCount();
            // Against the shared sample (positions, d)·(d, S) and its own target; the whole catalogue when it is
            // no larger than the sample.
            case SAMPLED_SOFTMAX -> config.itemCount() <= config.sampledNegatives()
                    ? 2.0 * trainedPositions * d * config.itemCount()
                    : 2.0 * trainedPositions * d * config.sampledNegatives() + 2.0 * trainedPositions * d;
        };
        return 3 * encoderForward(config, batch) + 3 * loss;
    }

    /** FLOPs of a training step of the whole ELCRec objective (forward and backward). */
    public static double fullStep(ElcRecConfig config, int batch, int trainedPositions) {
        double t = config.maxSequenceLength();
        double d = config.hiddenSize();
        double k = config.clusters();
        double views = 2.0 * batch;
        double viewEncoder = 3 * encoderForward(config, (int) views);
        double positionNearest = 2 * views * t * k * d;
        double pooledNearest = 2.0 * batch * k * d;
        double fusedWidth = switch (config.fusion()) {
            case SHIFT -> t * d;
            case CONCAT -> 2 * t * d;
        };
        double sequenceContrast = 3 * (2 * views * views * fusedWidth);
        double intentContrast = 3 * 2 * (2 * views * views * d);
        return nextItemStep(config, batch, trainedPositions) + viewEncoder + positionNearest + pooledNearest
                + sequenceContrast + intentContrast;
    }
}
