package io.intentstream.model.cluster;

import static java.lang.Math.exp;
import static java.lang.Math.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.intentstream.model.cluster.IntentContrast.Form;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IntentContrastTest {

    private NDManager manager;
    private NDArray centres;
    private NDArray pooled1;
    private NDArray pooled2;
    private NDArray intent;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
        centres = manager.create(new float[][] {{1f, 0f}, {0f, 1f}});
        pooled1 = manager.create(new float[][] {{2f, 0f}, {0f, 1f}});
        pooled2 = manager.create(new float[][] {{1f, 0.5f}, {0.5f, 2f}});
        intent = manager.create(new long[] {0, 1}); // user 0's original sequence is in c1, user 1's in c2
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void infoNceMatchesAHandComputedTwoUserExample() {
        // view 1: logits row 0 = (2, 0) positive 2, row 1 = (0, 1) positive 1
        double view1 = ((-2 + log(exp(2) + exp(0))) + (-1 + log(exp(0) + exp(1)))) / 2;
        // view 2: row 0 = (1, 0.5) positive 1, row 1 = (0.5, 2) positive 2
        double view2 = ((-1 + log(exp(1) + exp(0.5))) + (-2 + log(exp(0.5) + exp(2)))) / 2;
        float loss = IntentContrast.loss(pooled1, pooled2, centres, intent, 1f, Form.INFO_NCE).getFloat();
        assertThat(loss).isCloseTo((float) ((view1 + view2) / 2), within(1e-5f));
    }

    @Test
    void referenceFormMatchesAHandComputedTwoUserExample() {
        // view 1 vs centres: z = (2,0),(0,1),(1,0),(0,1); dots z0z2 = 2, z1z3 = 1, all others 0
        double view1 = (2 * (-2 + log(2 + exp(2))) + 2 * (-1 + log(2 + exp(1)))) / 4;
        // view 2 vs centres: z = (1,0.5),(0.5,2),(1,0),(0,1); z0z1 = 1.5, z0z2 = 1, z0z3 = 0.5, z1z2 = 0.5,
        // z1z3 = 2, z2z3 = 0
        double r0 = -1 + log(exp(1.5) + exp(1) + exp(0.5));
        double r1 = -2 + log(exp(1.5) + exp(0.5) + exp(2));
        double r2 = -1 + log(exp(1) + exp(0.5) + exp(0));
        double r3 = -2 + log(exp(0.5) + exp(2) + exp(0));
        double view2 = (r0 + r1 + r2 + r3) / 4;
        float loss = IntentContrast.loss(pooled1, pooled2, centres, intent, 1f, Form.REFERENCE_NT_XENT).getFloat();
        assertThat(loss).isCloseTo((float) ((view1 + view2) / 2), within(1e-5f));
    }

    @Test
    void theOriginalSequencesIntentIsThePositive() {
        NDArray swapped = manager.create(new long[] {1, 0});
        for (Form form : Form.values()) {
            float right = IntentContrast.loss(pooled1, pooled2, centres, intent, 1f, form).getFloat();
            float wrong = IntentContrast.loss(pooled1, pooled2, centres, swapped, 1f, form).getFloat();
            assertThat(right).as("%s", form).isLessThan(wrong);
        }
    }

    @Test
    void gradientsReachThePooledViewsAndTheCentres() {
        for (Form form : Form.values()) {
            NDArray c = centres.duplicate();
            NDArray p1 = pooled1.duplicate();
            NDArray p2 = pooled2.duplicate();
            c.setRequiresGradient(true);
            p1.setRequiresGradient(true);
            p2.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(IntentContrast.loss(p1, p2, c, intent, 1f, form));
            }
            assertThat(c.getGradient().abs().sum().getFloat()).as("%s centres", form).isGreaterThan(1e-4f);
            assertThat(p1.getGradient().abs().sum().getFloat()).as("%s view1", form).isGreaterThan(1e-4f);
            assertThat(p2.getGradient().abs().sum().getFloat()).as("%s view2", form).isGreaterThan(1e-4f);
        }
    }

    @Test
    void rejectsAnIntentVectorOfTheWrongLength() {
        assertThatThrownBy(() -> IntentContrast.loss(pooled1, pooled2, centres, manager.create(new long[] {0}), 1f,
                        Form.INFO_NCE))
                .hasMessageContaining("intent must be (b)");
    }
}
