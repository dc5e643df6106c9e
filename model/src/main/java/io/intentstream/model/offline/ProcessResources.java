package io.intentstream.model.offline;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;

/**
 * What the process has used: peak resident memory, which (unlike the Java heap) includes libtorch's native
 * allocations, and CPU time, which includes libtorch's native threads.
 */
final class ProcessResources {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessResources() {}

    /** VmHWM of this process in MiB, or empty where /proc is not available. */
    static OptionalDouble peakResidentMb() {
        try {
            return parseVmHwmMb(Files.readAllLines(STATUS));
        } catch (IOException | RuntimeException e) {
            return OptionalDouble.empty();
        }
    }

    /** CPU seconds used by this process so far, over all its threads (Java and native), or NaN if unknown. */
    static double cpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long nanos = os.getProcessCpuTime();
            return nanos < 0 ? Double.NaN : nanos / 1e9;
        }
        return Double.NaN;
    }

    static OptionalDouble parseVmHwmMb(List<String> statusLines) {
        for (String line : statusLines) {
            if (line.startsWith("VmHWM:")) {
                String[] fields = line.substring("VmHWM:".length()).trim().split("\\s+");
                if (fields.length == 2 && fields[1].equals("kB")) {
                    return OptionalDouble.of(Long.parseLong(fields[0]) / 1024.0);
                }
            }
        }
        return OptionalDouble.empty();
    }
}
