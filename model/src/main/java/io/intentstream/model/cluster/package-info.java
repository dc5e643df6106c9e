/**
 * The online differentiable cluster module and the cluster-assisted contrastive learning of ELCRec (spec §3-§4):
 * augmentations, cluster loss, nearest-centre assignment, sequence and intent contrast, and the k-means
 * initialisation of the centres. Pure functions without state; the model owns the parameters.
 *
 * <p>One training step, in the order the reference runs it ({@code b} sequences, {@code T} positions, {@code d}
 * dimensions, {@code k} centres):
 * <pre>{@code
 * // outside the gradient collector, before the forward pass
 * UnitRows.renormaliseInPlace(centres);                          // reference: C.data = normalize(C.data)
 * Augmentations.ViewPair views = Augmentations.from(config).twoViews(batch.inputs(), rng);
 *
 * // inside the collector (training mode: dropout on)
 * NDArray encoded = encoder(batch.inputs());                     // (b, T, d), also feeds the next-item loss
 * NDArray pooled = encoded.mean(new int[] {1});                  // (b, d), mean over T, padding included
 * NDArray intent = NearestCentre.nearest(pooled, centres);       // (b) int64, Eq. 5, no gradient
 * NDArray cluster = ClusterLoss.loss(UnitRows.normalise(pooled), centres);
 * NDArray e1 = encoder(views.first()), e2 = encoder(views.second());   // (b, T, d) each
 * NDArray sequence = SequenceContrast.loss(e1, e2, centres, config.fusion(),
 *         SequenceContrast.CentreChoice.VIEW, config.temperature());
 * NDArray intentLoss = IntentContrast.loss(e1.mean(new int[] {1}), e2.mean(new int[] {1}), centres, intent,
 *         config.temperature(), IntentContrast.Form.REFERENCE_NT_XENT);
 * total = nextItem + sequenceContrastWeight * sequence + intentContrastWeight * intentLoss
 *         + clusterLossWeight * cluster;
 * }</pre>
 * Initialisation: {@code CentreInitialiser.initialise(pooledEvalModeEmbeddings, config)} gives (k, d) unit rows.
 *
 * <p>The NDArray functions create their intermediates on the inputs' manager and do not close them: call them
 * inside the step's {@code NDScope}. They are differentiable with respect to every float input; centre rows are
 * picked with {@code centres.get(indices)}, so gradients reach the centre parameter.
 */
package io.intentstream.model.cluster;
