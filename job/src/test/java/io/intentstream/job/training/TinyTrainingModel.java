package io.intentstream.job.training;

import io.intentstream.model.Device;
import io.intentstream.model.ElcRecConfig;

/**
 * The tiny real model (d 16, k 4, T 5, 60 items, seed 7) and the batch shapes that the operator and trainer tests
 * of training.fraction, answer-before-step and training.learning-rate share: small enough for a unit test, a real
 * ELCRec step all the same.
 */
final class TinyTrainingModel {

    static final int T = 5;
    static final int K = 4;
    static final int ITEMS = 60;
    static final int BATCH = 8;
    static final int TOP_N = 3;
    static final int WARM_UP = 8;

    private TinyTrainingModel() {}

    static ElcRecConfig config() {
        return ElcRecConfig.builder(ITEMS).maxSequenceLength(T).hiddenSize(16).clusters(K).layers(1)
                .device(Device.CPU).seed(7).build();
    }
}
