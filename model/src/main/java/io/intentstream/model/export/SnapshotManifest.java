package io.intentstream.model.export;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * What {@code manifest.json} of an exported snapshot says about it: enough to choose a snapshot without decoding
 * its parameters, and to check that {@code model.bin} is the file the manifest was written for.
 *
 * @param format the export layout version ({@link ModelExport#FORMAT})
 * @param modelVersion the model version (optimiser steps applied)
 * @param stepCount Adam's step count
 * @param createdAt when the export was written, ISO-8601 UTC
 * @param checksum {@code ModelSnapshot.checksum()} in hex; loading fails when {@code model.bin} disagrees
 * @param snapshotBytes the size of {@code model.bin}
 * @param itemCount rows for items in the embedding table
 * @param itemIndexSize items named by the snapshot's item index (0: rows are the benchmark's item ids)
 * @param centresInitialised whether k-means has set the intent centres
 * @param producer who wrote it: {@code train}, {@code stream} (the job), or {@code replay}
 * @param metrics figures the producer attached (loss, test metrics, events seen ...); may be empty
 * @param config the model configuration, for reading; the authoritative copy is inside {@code model.bin}
 */
@JsonPropertyOrder({"format", "model_version", "step_count", "created_at", "checksum", "snapshot_bytes", "item_count",
        "item_index_size", "centres_initialised", "producer", "metrics", "config"})
public record SnapshotManifest(
        int format,
        long modelVersion,
        long stepCount,
        String createdAt,
        String checksum,
        long snapshotBytes,
        int itemCount,
        int itemIndexSize,
        boolean centresInitialised,
        String producer,
        Map<String, Double> metrics,
        Map<String, Object> config) {}
