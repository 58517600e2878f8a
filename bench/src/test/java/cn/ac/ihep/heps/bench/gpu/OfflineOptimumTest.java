package cn.ac.ihep.heps.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The bracket around the optimum, checked against exhaustive search on small traces. */
class OfflineOptimumTest {

    private static final String CLASS = "CUSTOM_GPU_A100";

    @Test
    void theBracketHoldsTheExactOptimumOfSmallTraces() {
        Random random = new Random(5L);
        GpuCluster big = GpuCluster.of(CLASS, 1, 1);
        GpuCluster small = GpuCluster.of(CLASS, 2, 0);
        int contended = 0;
        int tight = 0;
        for (int round = 0; round < 150; round++) {
            List<DesktopRequest> trace = randomTrace(random, 3 + random.nextInt(6));
            GpuCluster cluster = round % 2 == 0 ? big : small;
            OfflineOptimum.Bounds bounds = OfflineOptimum.compute(cluster, trace);
            int exact = exactOptimum(cluster, trace);
            int pooled = exactPooledOptimum(cluster.totalGpus(), trace);
            String context = "round " + round + ": " + trace + " → " + bounds
                    + ", exact " + exact + ", pooled " + pooled;
            assertTrue(bounds.lowerBound() <= exact, context);
            // The lower bound is a real schedule: replaying it never over-books a host.
            assertEquals(bounds.lowerBound(), OnlineSimulation.replay(cluster, trace, bounds.hindsightHosts()).accepted(),
                    context);
            assertTrue(exact <= pooled, context);
            assertTrue(pooled <= Math.floor(bounds.upperBound() + 1e-9), context);
            contended += exact < trace.size() ? 1 : 0;
            tight += bounds.lowerBound() == exact ? 1 : 0;
        }
        // Only traces that do not all fit test anything; the generator must make enough of them.
        assertTrue(contended >= 40, "only " + contended + " of 150 traces were contended");
        // The hindsight schedule is a heuristic, but on small traces it should nearly always be exact.
        assertTrue(tight >= 140, "the lower bound was exact on only " + tight + " of 150 traces");
    }

    @Test
    void theUpperBoundIsTheFractionalOptimum() {
        // A 4-GPU desktop and a 1-GPU desktop overlap on a 4-GPU host: the LP takes the small
        // one whole and three quarters of the big one.
        GpuCluster cluster = GpuCluster.of(CLASS, 1, 0);
        List<DesktopRequest> trace = List.of(
                new DesktopRequest(0, 0, 2, 4),
                new DesktopRequest(1, 1, 3, 1));

        OfflineOptimum.Bounds bounds = OfflineOptimum.compute(cluster, trace);

        assertEquals(1.75, bounds.upperBound(), 1e-9);
        assertEquals(1, bounds.lowerBound());
    }

    @Test
    void aClusterLargeEnoughForEverythingAcceptsEverything() {
        GpuCluster cluster = GpuCluster.of(CLASS, 2, 2);
        List<DesktopRequest> trace = List.of(
                new DesktopRequest(0, 0, 24, 4),
                new DesktopRequest(1, 0, 48, 4),
                new DesktopRequest(2, 8, 16, 2),
                new DesktopRequest(3, 8, 72, 1));

        OfflineOptimum.Bounds bounds = OfflineOptimum.compute(cluster, trace);

        assertEquals(4, bounds.lowerBound());
        assertEquals(4.0, bounds.upperBound(), 1e-9);
        assertEquals(4 * 24 + 4 * 48 + 2 * 8 + 64, bounds.gpuHoursUpperBound(), 1e-9);
    }

    private static List<DesktopRequest> randomTrace(Random random, int size) {
        int[] gpus = {1, 2, 4};
        List<DesktopRequest> trace = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            long start = random.nextInt(6);
            trace.add(new DesktopRequest(i, start, start + 1 + random.nextInt(5),
                    gpus[random.nextInt(gpus.length)]));
        }
        trace.sort(Comparator.comparingLong(DesktopRequest::start).thenComparingInt(DesktopRequest::id));
        List<DesktopRequest> renumbered = new ArrayList<>();
        for (int i = 0; i < trace.size(); i++) {
            DesktopRequest d = trace.get(i);
            renumbered.add(new DesktopRequest(i, d.start(), d.end(), d.gpus()));
        }
        return renumbered;
    }

    /** Every way to put each desktop on a host or turn it away; the most accepted that fit. */
    private static int exactOptimum(GpuCluster cluster, List<DesktopRequest> trace) {
        int hosts = cluster.hosts().size();
        int[] choice = new int[trace.size()];
        int best = 0;
        int combinations = (int) Math.pow(hosts + 1, trace.size());
        for (int code = 0; code < combinations; code++) {
            int rest = code;
            int accepted = 0;
            for (int i = 0; i < trace.size(); i++) {
                choice[i] = rest % (hosts + 1);
                rest /= hosts + 1;
                accepted += choice[i] < hosts ? 1 : 0;
            }
            if (accepted > best && fitsHosts(cluster, trace, choice)) {
                best = accepted;
            }
        }
        return best;
    }

    private static boolean fitsHosts(GpuCluster cluster, List<DesktopRequest> trace, int[] choice) {
        for (DesktopRequest at : trace) {
            int[] used = new int[cluster.hosts().size()];
            for (int i = 0; i < trace.size(); i++) {
                DesktopRequest d = trace.get(i);
                if (choice[i] < used.length && d.start() <= at.start() && at.start() < d.end()) {
                    used[choice[i]] += d.gpus();
                    if (used[choice[i]] > cluster.hosts().get(choice[i]).gpus()) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** The most desktops whose GPUs never add up to more than the cluster's total. */
    private static int exactPooledOptimum(int capacity, List<DesktopRequest> trace) {
        int best = 0;
        for (int subset = 0; subset < 1 << trace.size(); subset++) {
            if (Integer.bitCount(subset) <= best) {
                continue;
            }
            boolean fits = true;
            for (DesktopRequest at : trace) {
                int load = 0;
                for (int i = 0; i < trace.size(); i++) {
                    DesktopRequest d = trace.get(i);
                    if ((subset >> i & 1) == 1 && d.start() <= at.start() && at.start() < d.end()) {
                        load += d.gpus();
                    }
                }
                fits &= load <= capacity;
            }
            if (fits) {
                best = Integer.bitCount(subset);
            }
        }
        return best;
    }
}
