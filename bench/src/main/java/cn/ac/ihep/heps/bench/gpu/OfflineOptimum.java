package cn.ac.ihep.heps.bench.gpu;

import cn.ac.ihep.heps.agent.gpu.GpuPlacementStrategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Brackets the offline optimum: the most desktops of a trace that any schedule knowing the
 * whole trace in advance could accept, each on one host for its whole window, never exceeding
 * a host's GPUs.
 *
 * <p><b>Upper bound.</b> Relax two things: a desktop may move between hosts at any time (so only
 * the cluster's total GPUs bind, which is exact for moves because 1, 2 and 4 divide 4 and 8:
 * any set of desktops whose GPUs add up to at most the total fits the hosts at once), and a
 * desktop may be accepted fractionally. That linear program is solved exactly as a
 * minimum-cost flow over the time line (split each desktop into one unit per GPU worth
 * 1/GPUs; unit intervals with a capacity are a network, so the flow is the LP optimum).
 * No schedule accepts more than its floor.
 *
 * <p><b>Lower bound.</b> A real schedule: keep the desktops the flow accepts whole, add any
 * other desktop that still fits the total (smallest and shortest first), then place those in
 * start order on the actual hosts by best fit, dropping any that do not fit. It knows the
 * future only through which desktops it keeps.
 */
final class OfflineOptimum {

    /** {@code upperBound} is the LP value; the optimum lies in [lowerBound, floor(upperBound)]. */
    record Bounds(int lowerBound, double upperBound, double gpuHoursUpperBound) {
    }

    private OfflineOptimum() {
    }

    static Bounds compute(GpuCluster cluster, List<DesktopRequest> trace,
            GpuPlacementStrategy hostPlacement) {
        long[] times = trace.stream()
                .flatMapToLong(d -> java.util.stream.LongStream.of(d.start(), d.end()))
                .distinct().sorted().toArray();
        int capacity = cluster.totalGpus();

        // Count objective, scaled by 4 so every per-GPU weight (1, 1/2, 1/4) is an integer.
        int scale = 4;
        MinCostFlow countFlow = new MinCostFlow(times.length);
        int[] arcOf = new int[trace.size()];
        for (int i = 0; i < times.length - 1; i++) {
            countFlow.addArc(i, i + 1, capacity, 0);
        }
        for (int i = 0; i < trace.size(); i++) {
            DesktopRequest d = trace.get(i);
            if (scale % d.gpus() != 0) {
                throw new IllegalArgumentException("desktop sizes must divide " + scale);
            }
            arcOf[i] = countFlow.addArc(index(times, d.start()), index(times, d.end()), d.gpus(),
                    -(scale / d.gpus()));
        }
        double upperBound = -countFlow.solve(capacity) / (double) scale;

        // GPU-hours objective: each GPU of a desktop is worth the desktop's hours.
        MinCostFlow hoursFlow = new MinCostFlow(times.length);
        for (int i = 0; i < times.length - 1; i++) {
            hoursFlow.addArc(i, i + 1, capacity, 0);
        }
        for (DesktopRequest d : trace) {
            hoursFlow.addArc(index(times, d.start()), index(times, d.end()), d.gpus(), -d.hours());
        }
        double gpuHoursUpperBound = -hoursFlow.solve(capacity);

        boolean[] keep = new boolean[trace.size()];
        int[] load = new int[times.length];
        for (int i = 0; i < trace.size(); i++) {
            DesktopRequest d = trace.get(i);
            if (countFlow.flow(arcOf[i]) == d.gpus()) {
                keep[i] = true;
                addLoad(load, times, d);
            }
        }
        List<Integer> others = new ArrayList<>();
        for (int i = 0; i < trace.size(); i++) {
            if (!keep[i]) {
                others.add(i);
            }
        }
        others.sort(Comparator.<Integer>comparingInt(i -> trace.get(i).gpus())
                .thenComparingLong(i -> trace.get(i).hours())
                .thenComparingInt(i -> i));
        for (int i : others) {
            DesktopRequest d = trace.get(i);
            if (fits(load, times, d, capacity)) {
                keep[i] = true;
                addLoad(load, times, d);
            }
        }
        List<DesktopRequest> kept = new ArrayList<>();
        for (int i = 0; i < trace.size(); i++) {
            if (keep[i]) {
                kept.add(trace.get(i));
            }
        }
        int lowerBound = OnlineSimulation.run(cluster, kept, hostPlacement).accepted();
        return new Bounds(lowerBound, upperBound, gpuHoursUpperBound);
    }

    private static int index(long[] times, long time) {
        return Arrays.binarySearch(times, time);
    }

    private static boolean fits(int[] load, long[] times, DesktopRequest d, int capacity) {
        for (int k = index(times, d.start()); k < index(times, d.end()); k++) {
            if (load[k] + d.gpus() > capacity) {
                return false;
            }
        }
        return true;
    }

    private static void addLoad(int[] load, long[] times, DesktopRequest d) {
        for (int k = index(times, d.start()); k < index(times, d.end()); k++) {
            load[k] += d.gpus();
        }
    }
}
