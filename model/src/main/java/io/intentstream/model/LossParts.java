package io.intentstream.model;

/** The parts of the joint objective of one step, already weighted as they enter {@code total}. */
public record LossParts(float total, float nextItem, float sequenceContrast, float intentContrast, float cluster) {}
