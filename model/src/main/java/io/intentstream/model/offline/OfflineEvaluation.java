package io.intentstream.model.offline;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.intentstream.model.ElcRecModel;
import io.intentstream.model.ModelSnapshot;
import io.intentstream.model.cluster.IntentUsage;

/**
 * Scores a saved model on a benchmark's validation and test splits under both protocols, and tells how its users
 * spread over its intents.
 */
public final class OfflineEvaluation {

    /**
     * @param modelVersion the evaluated snapshot's version (optimiser steps applied)
     * @param modelChecksum the snapshot's checksum, in hex, to tell models apart
     * @param test null when the test split was not read
     * @param intents see {@link #intentUsage}; null for a model without centres
     */
    @JsonPropertyOrder({"dataset", "model_version", "model_checksum", "test", "valid", "intents"})
    public record Report(String dataset, long modelVersion, String modelChecksum, ProtocolMetrics test,
            ProtocolMetrics valid, IntentUsage intents) {}

    private OfflineEvaluation() {}

    /**
     * @throws IllegalArgumentException when the model was trained for a different number of items than
     *     {@code data} holds
     */
    public static Report evaluate(ModelSnapshot snapshot, BenchmarkDataset data) {
        return evaluate(snapshot, data, true);
    }

    /**
     * @param readTest false to score the validation split only: for models of screens, whose settings are chosen on
     *     validation and whose test split is read once, for the final configuration
     * @throws IllegalArgumentException when the model was trained for a different number of items than
     *     {@code data} holds
     */
    public static Report evaluate(ModelSnapshot snapshot, BenchmarkDataset data, boolean readTest) {
        int modelItems = snapshot.config().itemCount();
        if (modelItems != data.itemCount()) {
            throw new IllegalArgumentException("the model was trained for " + modelItems + " items but "
                    + data.source() + " has " + data.itemCount() + "; evaluate it on the dataset it was trained on");
        }
        int maxLength = snapshot.config().maxSequenceLength();
        try (ElcRecModel model = ElcRecModel.restore(snapshot)) {
            ProtocolMetrics test = readTest
                    ? RankingEvaluator.evaluate(model::itemScores, data.testSplit(maxLength))
                    : null;
            EvaluationSplit validSplit = data.validationSplit(maxLength);
            ProtocolMetrics valid = RankingEvaluator.evaluate(model::itemScores, validSplit);
            return new Report(data.source(), snapshot.version(), Long.toHexString(snapshot.checksum()), test, valid,
                    intentUsage(model, validSplit));
        }
    }

    /**
     * How the users spread over the model's intents when each is assigned by their input of {@code split} (for the
     * validation split: their history before the validation item, which selecting a model may read). Null when the
     * model's centres were never initialised (an ablation without them): its intents would mean nothing.
     */
    public static IntentUsage intentUsage(ElcRecModel model, EvaluationSplit split) {
        if (!model.centresInitialised()) {
            return null;
        }
        return IntentUsage.of(model.intents(split.inputs()), model.config().clusters());
    }
}
