package io.intentstream.model.offline;

import io.intentstream.model.ElcRecConfig;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Which parts of the joint objective are trained (the paper's ablation study). */
public enum Ablation {
    /** Next-item loss only: plain SASRec. */
    SASREC(false, false),
    /** Next-item loss plus cluster-assisted contrastive learning, without the cluster loss. */
    CCL(true, false),
    /** Next-item loss plus the online cluster loss, without contrastive learning. */
    CLUSTER(false, true),
    /** The whole ELCRec objective. */
    FULL(true, true);

    private final boolean contrast;
    private final boolean clusterLoss;

    Ablation(boolean contrast, boolean clusterLoss) {
        this.contrast = contrast;
        this.clusterLoss = clusterLoss;
    }

    /** Whether the contrastive terms are trained. */
    public boolean contrast() {
        return contrast;
    }

    /** Whether the intent centres take part in training (the contrastive terms, the cluster loss or both). */
    public boolean usesCentres() {
        return contrast || clusterLoss;
    }

    public ElcRecConfig applyTo(ElcRecConfig config) {
        return config.toBuilder().contrastEnabled(contrast).clusterLossEnabled(clusterLoss).build();
    }

    /** The lower-case name used on the command line and in results files. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Ablation parse(String value) {
        for (Ablation a : values()) {
            if (a.cliName().equalsIgnoreCase(value.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("Unknown ablation '" + value + "'; expected one of: "
                + Arrays.stream(values()).map(Ablation::cliName).collect(Collectors.joining(", ")));
    }

    /** Whether the intent centres are used at all, so that k-means must initialise them. */
    public static boolean needsCentres(ElcRecConfig config) {
        return config.contrastEnabled() || config.clusterLossEnabled();
    }
}
