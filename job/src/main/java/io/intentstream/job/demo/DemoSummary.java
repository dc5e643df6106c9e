package io.intentstream.job.demo;

import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The result of one demo run. Output counts come from reading the output topics back with a
 * {@code read_committed} consumer; training figures come from the job's accumulators.
 *
 * @param input {@code planted-intents} or the replayed file
 * @param eventsIn valid interactions written to the input topic
 * @param malformedIn malformed records written to the input topic
 * @param intentsOut committed records on the intents topic
 * @param recommendationsOut committed records on the recommendations topic
 * @param deadLetters committed records on the dead-letter topic
 * @param deadLettersByReason dead letters by the code their reason starts with
 * @param undecodableOutputs output records that did not decode as their topic's type (should be 0)
 * @param usersAnswered users with at least one intent assignment
 * @param usersPerCluster how many users each cluster holds by their last assignment (empty clusters left out)
 * @param trainSteps optimiser steps, from the job's {@code intent-stream.train-steps} accumulator
 * @param loss the last training loss, from the job's {@code intent-stream.loss} accumulator
 * @param modelVersion the newest model version seen in any output record
 * @param clusters k, the number of intent clusters of the model
 * @param brokerStartSeconds formatting and starting the embedded Kafka broker
 * @param wallSeconds from submitting the job until every committed output had been read
 * @param eventsPerSecond {@code eventsIn / wallSeconds}
 * @param totalSeconds the whole run, broker start and input writing included
 * @param plantedIntents number of planted intents (synthetic input only)
 * @param intentNmi NMI of planted intent vs each user's last assigned cluster (synthetic input only)
 * @param randomNmi NMI of planted intent vs a seeded uniformly random cluster in [0, k) per user, the baseline
 *     that {@code intentNmi} must beat (synthetic input only)
 * @param failuresInjected failures the demo injected into its job ({@code --inject-failures})
 * @param restarts how often the job restarted from its last checkpoint
 * @param missing valid input events without an intent in the read_committed drain (0 under exactly-once)
 * @param duplicated events with more than one intent or more than one recommendation (0 under exactly-once)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DemoSummary(
        String input,
        long eventsIn,
        long malformedIn,
        long intentsOut,
        long recommendationsOut,
        long deadLetters,
        Map<String, Long> deadLettersByReason,
        long undecodableOutputs,
        long usersAnswered,
        Map<Integer, Long> usersPerCluster,
        Long trainSteps,
        Double loss,
        long modelVersion,
        int clusters,
        double brokerStartSeconds,
        double wallSeconds,
        double eventsPerSecond,
        double totalSeconds,
        Integer plantedIntents,
        Double intentNmi,
        Double randomNmi,
        Integer failuresInjected,
        Integer restarts,
        Long missing,
        Long duplicated) {

    /** Reads a summary written by {@code demo --summary}. */
    public static DemoSummary readJson(Path file) {
        return SummaryJson.read(file, DemoSummary.class);
    }
}
