package io.intentstream.model.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The copy-free snapshot encoding writes exactly the bytes of the plain one, in exactly the announced size. */
class TensorCodecTest {

    @Test
    void directEncodingWritesTheSameBytesAsTheStreamEncodingInTheAnnouncedSize() throws IOException {
        TorchThreads.engine();
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            List<NDArray> arrays = List.of(
                    manager.randomNormal(new Shape(37, 5)),
                    manager.create(new long[] {1, -2, Long.MAX_VALUE}),
                    manager.create(3.5f),
                    manager.randomUniform(-1, 1, new Shape(2, 3, 4)).transpose(2, 0, 1)); // not contiguous
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            int expected = 0;
            try (DataOutputStream out = new DataOutputStream(plain)) {
                for (NDArray array : arrays) {
                    out.writeUTF("name-é");
                    TensorCodec.write(out, array);
                    expected += ExactBytes.utfSize("name-é") + TensorCodec.encodedSize(array);
                }
            }
            assertThat(plain.size()).isEqualTo(expected);

            ExactBytes direct = new ExactBytes(expected);
            try (DataOutputStream out = new DataOutputStream(direct)) {
                for (NDArray array : arrays) {
                    out.writeUTF("name-é");
                    TensorCodec.write(out, direct, array);
                }
            }
            byte[] encoded = direct.bytes();
            assertThat(encoded).isEqualTo(plain.toByteArray());
            // Exactly sized: handed out without a copy.
            assertThat(direct.bytes()).isSameAs(encoded);
        }
    }

    @Test
    void anUnderestimatedSizeStillGivesAllBytes() {
        ExactBytes bytes = new ExactBytes(2);
        bytes.write(new byte[] {1, 2, 3}, 0, 3);
        bytes.write(java.nio.ByteBuffer.wrap(new byte[] {4, 5, 6, 7}));
        assertThat(bytes.bytes()).containsExactly(1, 2, 3, 4, 5, 6, 7);
    }
}
