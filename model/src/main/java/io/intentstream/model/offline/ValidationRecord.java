package io.intentstream.model.offline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.intentstream.model.LossParts;

/**
 * One validation after a training epoch. The flat metrics are the reference protocol's, the one early stopping
 * uses (as the reference code does); both protocols are also given in full.
 *
 * @param epoch 1-based epoch after which the model was validated
 * @param loss the mean training loss parts of that epoch
 * @param evalSeconds time spent scoring and ranking
 * @param improved whether this validation set a new best NDCG@20 (and so replaced best-model.bin)
 */
@JsonPropertyOrder({"epoch", "hr@5", "hr@20", "ndcg@5", "ndcg@20", "loss", "reference_protocol", "strict_protocol",
        "eval_seconds", "improved"})
public record ValidationRecord(
        int epoch,
        @JsonProperty("hr@5") double hr5,
        @JsonProperty("hr@20") double hr20,
        @JsonProperty("ndcg@5") double ndcg5,
        @JsonProperty("ndcg@20") double ndcg20,
        LossParts loss,
        @JsonProperty("reference_protocol") RankingMetrics reference,
        @JsonProperty("strict_protocol") RankingMetrics strict,
        double evalSeconds,
        boolean improved) {

    static ValidationRecord of(int epoch, ProtocolMetrics metrics, LossParts loss, double evalSeconds,
            boolean improved) {
        RankingMetrics r = metrics.reference();
        return new ValidationRecord(epoch, r.hr5(), r.hr20(), r.ndcg5(), r.ndcg20(), loss, metrics.reference(),
                metrics.strict(), evalSeconds, improved);
    }
}
