package io.intentstream.model.offline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;

/** The process's peak resident memory, which (unlike the Java heap) includes libtorch's native allocations. */
final class ProcessMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {}

    /** VmHWM of this process in MiB, or empty where /proc is not available. */
    static OptionalDouble peakResidentMb() {
        try {
            return parseVmHwmMb(Files.readAllLines(STATUS));
        } catch (IOException | RuntimeException e) {
            return OptionalDouble.empty();
        }
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
