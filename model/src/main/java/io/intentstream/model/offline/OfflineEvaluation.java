package io.intentstream.model.offline;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.intentstream.model.ElcRecModel;
import io.intentstream.model.ModelSnapshot;

/** Scores a saved model on a benchmark's validation and test splits under both protocols. */
public final class OfflineEvaluation {

    /**
     * @param modelVersion the evaluated snapshot's version (optimiser steps applied)
     * @param modelChecksum the snapshot's checksum, in hex, to tell models apart
     */
    @JsonPropertyOrder({"dataset", "model_version", "model_checksum", "test", "valid"})
    public record Report(String dataset, long modelVersion, String modelChecksum, ProtocolMetrics test,
            ProtocolMetrics valid) {}

    private OfflineEvaluation() {}

    /**
     * @throws IllegalArgumentException when the model was trained for a different number of items than
     *     {@code data} holds
     */
    public static Report evaluate(ModelSnapshot snapshot, BenchmarkDataset data) {
        int modelItems = snapshot.config().itemCount();
        if (modelItems != data.itemCount()) {
            throw new IllegalArgumentException("the model was trained for " + modelItems + " items but "
                    + data.source() + " has " + data.itemCount() + "; evaluate it on the dataset it was trained on");
        }
        int maxLength = snapshot.config().maxSequenceLength();
        try (ElcRecModel model = ElcRecModel.restore(snapshot)) {
            ProtocolMetrics test = RankingEvaluator.evaluate(model::itemScores, data.testSplit(maxLength));
            ProtocolMetrics valid = RankingEvaluator.evaluate(model::itemScores, data.validationSplit(maxLength));
            return new Report(data.source(), snapshot.version(), Long.toHexString(snapshot.checksum()), test, valid);
        }
    }
}
