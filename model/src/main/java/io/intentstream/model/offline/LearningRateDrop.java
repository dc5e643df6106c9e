package io.intentstream.model.offline;

/**
 * One use of the run's {@link PlateauDecay}: after epoch {@code afterEpoch} brought no better validation score for
 * the patience, training went on from the model of {@code bestEpoch} at {@code learningRate}.
 */
public record LearningRateDrop(int afterEpoch, int bestEpoch, float learningRate) {}
