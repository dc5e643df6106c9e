package io.intentstream.job.config;

/** Where the source starts reading the interactions topic when the job starts without a checkpoint. */
public enum StartingOffsets {
    /** The oldest retained record of every partition (replays history). */
    EARLIEST,
    /** Only records produced after the job started. */
    LATEST,
    /** The consumer group's committed offsets; partitions without one start from the earliest record. */
    COMMITTED
}
