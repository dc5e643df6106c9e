package io.intentstream.model.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.NextItemLossType;
import io.intentstream.model.cluster.ClusterLoss;
import io.intentstream.model.cluster.IntentContrast;
import io.intentstream.model.cluster.NearestCentre;
import io.intentstream.model.cluster.SequenceContrast;
import io.intentstream.model.cluster.UnitRows;
import io.intentstream.model.encoder.ElcRecNetwork;
import io.intentstream.model.tensor.Rows;
import io.intentstream.model.tensor.Scalars;

/**
 * The joint objective of spec §5 in training mode:
 * {@code L = L_next + w_seq·L_seq_cl + w_intent·L_intent_cl + alpha·L_cluster}.
 *
 * <p>Choices that follow the reference code: the sequence contrast fuses every position with its own nearest
 * centre ({@link SequenceContrast.CentreChoice#POSITION}); the intent contrast is the reference's NT-Xent between
 * views and assigned centres ({@link IntentContrast.Form#REFERENCE_NT_XENT}); the original sequence's intent is
 * the nearest centre of its (training-mode) mean-pooled embedding; the cluster loss sees the L2-normalised
 * mean-pooled embeddings with gradient. Unlike the reference, the two views are encoded once, as one batch of
 * 2B sequences, and that encoding serves both contrastive terms.
 */
public final class JointObjective {

    private final ElcRecConfig config;

    public JointObjective(ElcRecConfig config) {
        this.config = config;
    }

    /** Whether the centres take part in the objective (and so are renormalised and updated). */
    public boolean usesCentres() {
        return config.contrastEnabled() || config.clusterLossEnabled();
    }

    /**
     * Forward pass of the whole objective; gradients flow if the caller has a collector open.
     *
     * @return the weighted terms; absent terms are 0
     */
    public Terms compute(ElcRecNetwork network, ParameterStore store, HostBatch.DeviceBatch batch,
            int liveItemRows) {
        NDArray ids = batch.ids(); // (B, T)
        NDArray encoded = network.forward(store, new NDList(ids), true).singletonOrThrow(); // (B, T, D)
        NDArray table = store.getValue(network.itemTable(), ids.getDevice(), true); // (M+2, D)
        NDArray zero = ids.getManager().zeros(new Shape(), encoded.getDataType());

        NDArray itemBias = network.itemBias()
                .map(bias -> store.getValue(bias, ids.getDevice(), true))
                .orElse(null); // (M+2, 1) or none
        NDArray nextItem = nextItemLoss(encoded, table, itemBias, batch, liveItemRows);
        NDArray sequenceContrast = zero;
        NDArray intentContrast = zero;
        NDArray cluster = zero;
        if (usesCentres()) {
            NDArray centres = store.getValue(network.centres(), ids.getDevice(), true); // (k, D)
            NDArray pooled = encoded.mean(new int[] {1}); // (B, D), padding positions included as the reference
            if (config.clusterLossEnabled()) {
                cluster = ClusterLoss.loss(UnitRows.normalise(pooled), centres)
                        .mul(Scalars.like(pooled, config.clusterLossWeight()));
            }
            if (config.contrastEnabled()) {
                long b = ids.getShape().get(0);
                NDArray views = network.forward(store, new NDList(batch.views()), true).singletonOrThrow(); // (2B, T, D)
                NDArray first = views.get(new NDIndex("0:{}", b)); // (B, T, D)
                NDArray second = views.get(new NDIndex("{}:", b)); // (B, T, D)
                sequenceContrast = SequenceContrast.loss(first, second, centres, config.fusion(),
                                SequenceContrast.CentreChoice.POSITION, config.temperature(),
                                config.contrastSimilarity())
                        .mul(Scalars.like(pooled, config.sequenceContrastWeight()));
                NDArray intent = NearestCentre.nearest(pooled, centres); // (B) int64, no gradient
                intentContrast = IntentContrast.loss(first.mean(new int[] {1}), second.mean(new int[] {1}), centres,
                                intent, config.temperature(), IntentContrast.Form.REFERENCE_NT_XENT,
                                config.contrastSimilarity())
                        .mul(Scalars.like(pooled, config.intentContrastWeight()));
            }
        }
        NDArray total = nextItem.add(sequenceContrast).add(intentContrast).add(cluster);
        return new Terms(total, nextItem, sequenceContrast, intentContrast, cluster);
    }

    private NDArray nextItemLoss(NDArray encoded, NDArray table, NDArray itemBias, HostBatch.DeviceBatch batch,
            int liveItemRows) {
        long n = batch.positions().getShape().get(0);
        if (n == 0) {
            // No position has a target (e.g. every user is new): nothing to predict, the term is 0.
            return encoded.getManager().zeros(new Shape(), encoded.getDataType());
        }
        long d = encoded.getShape().get(2);
        NDArray hidden = Rows.gather(encoded.reshape(-1, d), batch.positions()); // (N, D), only where a target exists
        if (config.nextItemLoss() == NextItemLossType.BCE_ONE_NEGATIVE) {
            return NextItemLoss.binaryCrossEntropy(hidden, Rows.gather(table, batch.targets()),
                    Rows.gather(table, batch.negatives()), rowsOrNone(itemBias, batch.targets()),
                    rowsOrNone(itemBias, batch.negatives()));
        }
        if (batch.sharedNegatives() != null) {
            return NextItemLoss.sampledSoftmaxCrossEntropy(hidden, Rows.gather(table, batch.targets()),
                    Rows.gather(table, batch.sharedNegatives()), rowsOrNone(itemBias, batch.targets()),
                    rowsOrNone(itemBias, batch.sharedNegatives()), batch.targets(), batch.sharedNegatives());
        }
        // Full softmax, also for SAMPLED_SOFTMAX when the catalogue is no larger than its sample (HostBatch).
        NDIndex live = new NDIndex("1:{}", liveItemRows + 1);
        NDArray candidates = table.get(live); // (live, D)
        NDArray candidateBias = itemBias == null ? null : itemBias.get(live); // (live, 1)
        return NextItemLoss.softmaxCrossEntropy(hidden, candidates, candidateBias, batch.targets());
    }

    private static NDArray rowsOrNone(NDArray table, NDArray index) {
        return table == null ? null : Rows.gather(table, index);
    }

    /** The weighted terms of one step, scalars on the device. */
    public record Terms(NDArray total, NDArray nextItem, NDArray sequenceContrast, NDArray intentContrast,
            NDArray cluster) {

        /** All five values with one device-to-host copy: total, next, sequence, intent, cluster. */
        public float[] values() {
            try (NDArray stacked = NDArrays.stack(new NDList(total, nextItem, sequenceContrast, intentContrast,
                    cluster))) {
                return stacked.toFloatArray();
            }
        }
    }
}
