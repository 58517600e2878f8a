package cn.ac.ihep.heps.bench.display;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of a process from {@code /proc/<pid>/stat}: user plus system time, in clock ticks
 * ({@code utime} and {@code stime}, fields 14 and 15). Linux gives user space 100 ticks a second.
 */
final class CpuTime {

    static final double TICKS_PER_SECOND = 100.0;

    private CpuTime() {
    }

    /** Ticks used so far, or -1 when the process is gone. */
    static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may hold spaces: count after it.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Share of one core used between two readings taken {@code nanos} apart, in percent. */
    static double percentOfCore(long ticksBefore, long ticksAfter, long nanos) {
        if (ticksBefore < 0 || ticksAfter < 0) {
            return Double.NaN;
        }
        return (ticksAfter - ticksBefore) / TICKS_PER_SECOND / (nanos / 1e9) * 100.0;
    }
}
