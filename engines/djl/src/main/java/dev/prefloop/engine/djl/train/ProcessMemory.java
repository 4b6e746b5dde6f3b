package dev.prefloop.engine.djl.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** ProcessMemory reads the process's resident set (native tensors included) from /proc; -1 where there is none. */
public final class ProcessMemory {

    private ProcessMemory() {}

    /** The peak resident set size so far (VmHWM), in bytes. */
    public static long peakRssBytes() {
        return field("VmHWM:");
    }

    /** The current resident set size (VmRSS), in bytes. */
    public static long rssBytes() {
        return field("VmRSS:");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
