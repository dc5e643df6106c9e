package io.intentstream.model;

/**
 * What one optimiser step reports.
 *
 * @param loss the loss parts of the step
 * @param modelVersion the model version after the step (one more than before it)
 * @param skipped true when the loss or any gradient was not finite and the parameters were left unchanged
 */
public record TrainStepResult(LossParts loss, long modelVersion, boolean skipped) {}
