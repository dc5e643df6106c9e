package io.intentstream.model;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Runs thousands of training steps (with scores and snapshots in between) and prints the memory readings that
 * {@link ElcRecModelMemoryTest} checks. It runs in a JVM of its own, started with a fixed, pre-touched heap, so
 * that growth of the resident set is native growth and nothing else.
 */
public final class MemoryProbe {

    static final int WARM_UP_STEPS = 700;
    static final int MEASURED_STEPS = 1300;

    private MemoryProbe() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        ElcRecConfig config = ModelFixtures.tiny().layers(1).build();
        List<SequenceBatch> batches = IntStream.range(0, 10)
                .mapToObj(i -> ModelFixtures.randomBatch(8, config.itemCount(), i))
                .toList();
        try (ElcRecModel model = ElcRecModel.create(config)) {
            int arraysAtStart = model.managedArrayCount();
            int arraysMax = arraysAtStart;
            long residentAfterWarmUp = 0;
            long mallocAfterWarmUp = 0;
            long started = System.nanoTime();
            for (int step = 0; step < WARM_UP_STEPS + MEASURED_STEPS; step++) {
                model.trainStep(batches.get(step % batches.size()));
                if (step % 10 == 0) {
                    model.score(batches.get(0).inputs(), 5, config.itemCount());
                }
                if (step % 100 == 0) {
                    model.snapshot();
                    arraysMax = Math.max(arraysMax, model.managedArrayCount());
                }
                if (step == WARM_UP_STEPS - 1) {
                    settle();
                    residentAfterWarmUp = residentBytes();
                    mallocAfterWarmUp = mallocInUse();
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            settle();
            System.out.printf("steps=%d seconds=%.1f arraysAtStart=%d arraysMax=%d arraysEnd=%d"
                            + " residentGrowth=%d mallocGrowth=%d%n",
                    WARM_UP_STEPS + MEASURED_STEPS, seconds, arraysAtStart, arraysMax, model.managedArrayCount(),
                    residentBytes() - residentAfterWarmUp, mallocInUse() - mallocAfterWarmUp);
        }
    }

    /** Collects garbage and waits for the cleaner to free the direct buffers it made unreachable. */
    private static void settle() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /** Bytes glibc's malloc has handed out and not taken back: libtorch's tensors and DJL's buffers live here. */
    private static long mallocInUse() {
        MallocInfo info = CLibrary.INSTANCE.mallinfo2();
        return info.uordblks + info.hblkhd;
    }

    /** glibc's {@code struct mallinfo2} (glibc 2.33 and later); every field a size_t. */
    @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost"})
    public static class MallocInfo extends Structure implements Structure.ByValue {
        public long arena;
        public long ordblks;
        public long smblks;
        public long hblks;
        public long hblkhd;
        public long usmblks;
        public long fsmblks;
        public long uordblks;
        public long fordblks;
        public long keepcost;
    }

    interface CLibrary extends Library {
        CLibrary INSTANCE = Native.load("c", CLibrary.class);

        MallocInfo mallinfo2();
    }
}
