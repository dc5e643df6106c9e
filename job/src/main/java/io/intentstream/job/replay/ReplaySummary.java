package io.intentstream.job.replay;

import io.intentstream.model.offline.OfflineEvaluation;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The result of one {@code replay}: the demo's summary fields (same names, same meaning) plus the epochs.
 * Output counts come from reading the output topics back with a {@code read_committed} consumer (only records
 * this run wrote); training figures from the jobs' accumulators.
 *
 * @param input the replayed file
 * @param epochs how often the input was replayed
 * @param holdout whether each user's last two items were held out (leave-one-out, as {@code train})
 * @param eventsIn interactions in the replayed input (after the holdout), per epoch
 * @param intentsOut committed records on the intents topic (final epoch, or all with --emit-all-epochs)
 * @param recommendationsOut committed records on the recommendations topic
 * @param deadLetters committed records on the dead-letter topic
 * @param undecodableOutputs output records that did not decode as their topic's type (should be 0)
 * @param trainSteps optimiser steps of all epochs
 * @param loss the last training loss
 * @param eventsPerSecond {@code eventsIn * epochs} over the jobs' run time (from submission to finish)
 * @param epochSeconds run time of each epoch's job
 * @param epochEventsAnswered events the training operator answered (intent + recommendation) in each epoch: 0 in
 *     the epochs whose outputs are not written (they train without scoring), all events in the others
 * @param modelVersion the final model's version
 * @param modelChecksum the final model's checksum (hex)
 * @param exportedTo the snapshot directory written by {@code --export} (a path, or the URI on another file
 *     system), or null
 * @param evaluation test and validation metrics of the final model (benchmark input with holdout only)
 * @param wallSeconds all epochs, from the first submission until every committed output had been read
 * @param totalSeconds the whole run, broker start and evaluation included
 * @param liveEvents with {@code --then-live}: events answered after the backfill (then {@code eventsIn} counts
 *     both parts); null otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReplaySummary(
        String input,
        int epochs,
        boolean holdout,
        long eventsIn,
        long intentsOut,
        long recommendationsOut,
        long deadLetters,
        long undecodableOutputs,
        long trainSteps,
        Double loss,
        double eventsPerSecond,
        List<Double> epochSeconds,
        List<Long> epochEventsAnswered,
        long modelVersion,
        String modelChecksum,
        String exportedTo,
        OfflineEvaluation.Report evaluation,
        double wallSeconds,
        double totalSeconds,
        Long liveEvents) {}
