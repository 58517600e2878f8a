package cn.ac.ihep.heps.bench.gpu;

import cn.ac.ihep.heps.agent.gpu.MinCostFlow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

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
 * <p><b>Lower bound.</b> A real schedule on the actual hosts, built with hindsight: the
 * desktops the flow accepts whole come first, then all others, smallest and shortest first;
 * each goes to the host with room over its whole window and the least to spare, or is turned
 * away. The optimum accepts at least as many.
 */
final class OfflineOptimum {

    /**
     * {@code upperBound} is the LP value; the optimum lies in [lowerBound, floor(upperBound)].
     * {@code hindsightHosts} is the schedule behind the lower bound: desktop id to host.
     */
    record Bounds(int lowerBound, double upperBound, double gpuHoursUpperBound, Map<Integer, String> hindsightHosts) {
    }

    private OfflineOptimum() {
    }

    static Bounds compute(GpuCluster cluster, List<DesktopRequest> trace) {
        long[] times = trace.stream()
                .flatMapToLong(d -> LongStream.of(d.start(), d.end()))
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

        // A real schedule, for the lower bound: first the desktops the flow keeps whole, then
        // every other desktop that still fits, smallest and shortest first.
        List<Integer> order = new ArrayList<>();
        List<Integer> others = new ArrayList<>();
        for (int i = 0; i < trace.size(); i++) {
            (countFlow.flow(arcOf[i]) == trace.get(i).gpus() ? order : others).add(i);
        }
        others.sort(Comparator.<Integer>comparingInt(i -> trace.get(i).gpus())
                .thenComparingLong(i -> trace.get(i).hours())
                .thenComparingInt(i -> i));
        order.addAll(others);
        Map<Integer, String> hindsight = scheduleOnHosts(cluster, trace, times, order);
        return new Bounds(hindsight.size(), upperBound, gpuHoursUpperBound, hindsight);
    }

    /**
     * Puts the desktops, in the given order, each on the host that has room for it over its
     * whole window and the least room to spare at its busiest moment; skips those that fit
     * nowhere. Returns the host of each desktop it placed. Every host stays within its GPUs at
     * every moment.
     */
    private static Map<Integer, String> scheduleOnHosts(GpuCluster cluster, List<DesktopRequest> trace,
            long[] times, List<Integer> order) {
        int[][] load = new int[cluster.hosts().size()][times.length];
        Map<Integer, String> placed = new HashMap<>();
        for (int i : order) {
            DesktopRequest d = trace.get(i);
            int from = index(times, d.start());
            int to = index(times, d.end());
            int bestHost = -1;
            int bestSpare = Integer.MAX_VALUE;
            for (int h = 0; h < load.length; h++) {
                int peak = 0;
                for (int k = from; k < to; k++) {
                    peak = Math.max(peak, load[h][k]);
                }
                int spare = cluster.hosts().get(h).gpus() - peak - d.gpus();
                if (spare >= 0 && spare < bestSpare) {
                    bestSpare = spare;
                    bestHost = h;
                }
            }
            if (bestHost >= 0) {
                for (int k = from; k < to; k++) {
                    load[bestHost][k] += d.gpus();
                }
                placed.put(d.id(), cluster.hosts().get(bestHost).name());
            }
        }
        return placed;
    }

    private static int index(long[] times, long time) {
        return Arrays.binarySearch(times, time);
    }

}
