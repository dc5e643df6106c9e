package io.intentstream.model.offline;

/** How a full-ranking evaluation treats items the user has already seen and the special rows (spec §6). */
public enum EvaluationProtocol {
    /**
     * The reference code's: every item of the user's whole input history gets score 0 (not minus infinity), and
     * rows 0 (padding) and M+1 (mask) stay candidates. A seen item therefore still outranks a target whose score is
     * negative. Reported for comparison with the paper.
     */
    REFERENCE("reference_protocol"),
    /** Seen items, row 0 and row M+1 are not candidates at all; only unseen real items compete with the target. */
    STRICT("strict_protocol");

    private final String jsonName;

    EvaluationProtocol(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The key used in results files. */
    public String jsonName() {
        return jsonName;
    }
}
