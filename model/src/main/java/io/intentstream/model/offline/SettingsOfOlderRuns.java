package io.intentstream.model.offline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.intentstream.model.ContrastSimilarity;
import io.intentstream.model.ElcRecConfig;
import io.intentstream.model.PositionEncoding;
import java.io.UncheckedIOException;

/**
 * Model and training settings added after runs had already been written, with the value those runs trained with. A
 * run's stored config or settings (trainer-state.json's key, results.json's "config" and "settings") lack such a
 * setting; filled in, they read as today's.
 */
final class SettingsOfOlderRuns {

    private SettingsOfOlderRuns() {}

    /** Adds to {@code config} every later setting it lacks, at the value runs without it trained with. */
    static ObjectNode fillAbsent(ObjectNode config) {
        // The dot-product contrast was the only one; the sample size is unused unless the loss is sampled softmax.
        config.putIfAbsent("contrast_similarity", config.textNode(ContrastSimilarity.DOT.name()));
        config.putIfAbsent("sampled_negatives", config.numberNode(ElcRecConfig.DEFAULT_SAMPLED_NEGATIVES));
        config.putIfAbsent("position_encoding", config.textNode(PositionEncoding.WINDOW.name()));
        // No filter; its cutoff is then unused.
        config.putIfAbsent("low_pass_weight", config.numberNode(0.0));
        config.putIfAbsent("low_pass_cutoff", config.numberNode(ElcRecConfig.DEFAULT_LOW_PASS_CUTOFF));
        // They scored with their raw weights.
        config.putIfAbsent("weight_average_decay", config.numberNode(0.0));
        // Their scores had no item bias.
        config.putIfAbsent("item_bias", config.booleanNode(false));
        // Their filter had no wavelet branch.
        config.putIfAbsent("wavelet_weight", config.numberNode(0.0));
        return config;
    }

    /**
     * The {@link TrainingSettings} a results.json holds, in today's form: a filled-in copy, or a missing node when
     * it holds none.
     */
    static JsonNode trainingSettingsOf(JsonNode results) {
        JsonNode settings = results.path("settings");
        return settings instanceof ObjectNode stored ? fillAbsentTrainingSettings(stored.deepCopy()) : settings;
    }

    /** Adds to {@code settings} (a {@link TrainingSettings}) every later setting it lacks, likewise. */
    static ObjectNode fillAbsentTrainingSettings(ObjectNode settings) {
        settings.putIfAbsent("contrast_positives", settings.textNode(ContrastPositives.AUGMENTED.name()));
        // They stopped at the first plateau. Read back from text, as the settings it joins were, so that the
        // factor compares equal (a float node is not equal to the double node text gives).
        settings.putIfAbsent("plateau_decay", readBack(PlateauDecay.NONE));
        // They trained on each user's last window only.
        settings.putIfAbsent("training_windows", settings.textNode(TrainingWindows.LAST.name()));
        // Their centres kept their first fit.
        settings.putIfAbsent("centre_refit_epoch", settings.numberNode(0));
        return settings;
    }

    private static JsonNode readBack(Object value) {
        try {
            return OfflineJson.mapper().readTree(OfflineJson.compactJson(value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
