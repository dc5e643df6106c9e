package io.intentstream.job.source;

/** The stable code at the start of every dead letter's reason, so consumers can group rejections. */
public enum RejectionReason {
    /** The value is not a plain-Avro-binary Interaction (null, truncated, trailing bytes, wrong schema). */
    UNDECODABLE,
    /** The value decodes but breaks a rule of {@link InteractionValidation}. */
    INVALID,
    /** A valid interaction whose event id its user already sent within the duplicate retention. */
    DUPLICATE;

    public String describe(String detail) {
        return name() + ": " + detail;
    }
}
