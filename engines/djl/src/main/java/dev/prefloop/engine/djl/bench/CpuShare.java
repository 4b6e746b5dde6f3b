package dev.prefloop.engine.djl.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CpuShare measures, as torch_ref.py does, the share of the machine's CPU time that other
 * processes used (or the hypervisor stole) while a benchmark ran: above a few percent its numbers
 * are disturbed. NaN where /proc/stat is unavailable.
 */
final class CpuShare {

    private final double busy;
    private final double own;
    private final long wall;

    private CpuShare(double busy, double own, long wall) {
        this.busy = busy;
        this.own = own;
        this.wall = wall;
    }

    static CpuShare start() {
        return new CpuShare(machineBusySeconds(), ownSeconds(), System.nanoTime());
    }

    /** Others' CPU time over the interval, in percent of all cores' wall time. */
    double othersPercent() {
        double seconds = (System.nanoTime() - wall) / 1e9;
        double others = (machineBusySeconds() - busy) - (ownSeconds() - own);
        return Math.round(1000 * others / (seconds * Runtime.getRuntime().availableProcessors())) / 10.0;
    }

    private static double ownSeconds() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    /** user + nice + system + irq + softirq + steal from the first line of /proc/stat, in seconds (USER_HZ 100). */
    private static double machineBusySeconds() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i <= 8; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
