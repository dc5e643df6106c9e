package io.intentstream.model.offline;

/** Which windows of T items a user's training sequence contributes to an epoch. */
public enum TrainingWindows {
    /**
     * The last T items of {@code s[:-3]} only, as the reference trains: a user with more than T training targets
     * leaves the older ones out (2.6% of Beauty's targets at T 50, 10.8% at T 20).
     */
    LAST,
    /**
     * The last window and, for a user with more than T training targets, the windows before it, each ending where
     * the next begins: every training target is predicted exactly once an epoch.
     */
    ALL
}
