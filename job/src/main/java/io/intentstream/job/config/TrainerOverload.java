package io.intentstream.job.config;

/**
 * What the training operator does under scoring.mode SEPARATE when events arrive faster than its steps can take
 * them (a burst, a backlog after a restart, more load than one model can train on).
 */
public enum TrainerOverload {
    /**
     * Keeps the newest batch's worth for the next step and leaves the older ones out of training: the scoring
     * operators never wait for the trainer, and the model learns from a share of the events (counted by the
     * eventsNotTrainedOverload metric).
     */
    SKIP_EVENTS,
    /**
     * Trains on every event: with a full batch waiting, it holds back its input until the step ends, which holds
     * back the history operator and so the scoring operators too (as INLINE scoring does).
     */
    BACKPRESSURE
}
