package io.intentstream.model.offline;

import io.intentstream.model.LossParts;

/**
 * One training pass over the training users.
 *
 * @param epoch 1-based
 * @param seconds wall time spent in training steps (validation excluded)
 * @param cpuSeconds CPU time the whole process used meanwhile, summed over cores: on a shared machine the
 *     wall time says little, this says what the epoch cost
 * @param sequences training sequences processed
 * @param steps optimiser steps attempted
 * @param skippedSteps steps the model skipped because the loss was not finite
 * @param loss the weighted loss parts averaged over the steps that were applied
 */
public record EpochRecord(int epoch, double seconds, double cpuSeconds, int sequences, int steps, int skippedSteps, LossParts loss) {}
