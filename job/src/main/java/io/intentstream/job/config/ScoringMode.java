package io.intentstream.job.config;

/** Which operator answers the interactions (intents and recommendations). */
public enum ScoringMode {
    /**
     * The training operator answers each batch before (or after) its step: answers are reproducible from the
     * input alone, and an event may wait behind a step.
     */
    INLINE,
    /**
     * Scoring operators answer with the newest model the training operator published: no event waits behind a
     * step, scoring scales with the job's parallelism, and answers depend on when the updates arrive.
     */
    SEPARATE
}
