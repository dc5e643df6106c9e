package io.intentstream.model.offline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** The same ranking scored under both protocols of {@link EvaluationProtocol}. */
@JsonPropertyOrder({"reference_protocol", "strict_protocol"})
public record ProtocolMetrics(
        @JsonProperty("reference_protocol") RankingMetrics reference,
        @JsonProperty("strict_protocol") RankingMetrics strict) {

    public RankingMetrics get(EvaluationProtocol protocol) {
        return switch (protocol) {
            case REFERENCE -> reference;
            case STRICT -> strict;
        };
    }
}
