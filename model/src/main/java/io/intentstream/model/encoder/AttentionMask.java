package io.intentstream.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The additive attention mask: a query at position t may attend to key s iff {@code s <= t} (causal) and key s
 * is not padding.
 *
 * <p>Forbidden pairs get {@link #FORBIDDEN}, added to the logits before the softmax, as in the reference.
 * -1e4 is far below any real logit (exp underflows to exactly 0 in fp32) yet cannot overflow in fp16/bf16.
 * A query whose keys are all forbidden (a left-padding position) therefore attends by content over all T
 * positions, exactly as in the reference; such rows have no next-item target and only enter the mean pooling.
 */
public final class AttentionMask {

    public static final float FORBIDDEN = -1e4f;

    private AttentionMask() {}

    /** From item ids (B, T) int64 to the additive mask (B, 1, T, T) in {@code dataType}. */
    public static NDArray additive(NDArray ids, DataType dataType) {
        NDManager manager = ids.getManager();
        long batch = ids.getShape().get(0);
        long length = ids.getShape().get(1);
        NDArray keyIsItem = ids.gt(0).reshape(batch, 1, 1, length); // (B, 1, 1, T)
        NDArray position = manager.arange(0, length, 1, DataType.INT64, ids.getDevice());
        NDArray causal = position.reshape(1, length).lte(position.reshape(length, 1)) // [t][s] = s <= t
                .reshape(1, 1, length, length); // (1, 1, T, T)
        NDArray allowed = causal.logicalAnd(keyIsItem); // (B, 1, T, T)
        return allowed.toType(dataType, false).sub(1).mul(-FORBIDDEN); // 0 allowed, FORBIDDEN otherwise
    }
}
