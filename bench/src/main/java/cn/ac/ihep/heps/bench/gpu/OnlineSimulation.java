package cn.ac.ihep.heps.bench.gpu;

import cn.ac.ihep.heps.agent.gpu.GpuInventoryReport;
import cn.ac.ihep.heps.agent.gpu.GpuPlacementStrategy;
import cn.ac.ihep.heps.agent.gpu.GpuRequest;
import cn.ac.ihep.heps.agent.gpu.PlacementDecision;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Replays a trace through a placement strategy as the agent would use it, one desktop at a
 * time in start order, with no knowledge of the future. A desktop that the strategy holds is
 * counted as rejected (a loss model: the simulation does not retry it later). Desktops that
 * end at an instant free their GPUs before desktops that start at that instant are placed.
 */
final class OnlineSimulation {

    private record Running(long end, int host, int gpus) {
    }

    private OnlineSimulation() {
    }

    /** Where one desktop goes, given the GPUs in use on each host: a host index, or -1 to turn it away. */
    @FunctionalInterface
    private interface Decider {
        int decide(DesktopRequest desktop, int[] used);
    }

    static SimulationResult run(GpuCluster cluster, List<DesktopRequest> trace,
            GpuPlacementStrategy strategy) {
        Map<String, Integer> hostIndex = hostIndex(cluster);
        return account(cluster, trace, strategy.getClass().getSimpleName(), (desktop, used) -> {
            GpuRequest request = new GpuRequest(cluster.resourceClass(), desktop.gpus());
            PlacementDecision decision = strategy.place(request, inventory(cluster, used));
            return decision instanceof PlacementDecision.Place place ? hostIndex.get(place.host()) : -1;
        });
    }

    /**
     * Counts the outcome of decisions made elsewhere ({@code hostOf}: desktop id to host; a
     * desktop not in it was turned away), checking that no host ever holds more GPUs than it has.
     */
    static SimulationResult replay(GpuCluster cluster, List<DesktopRequest> trace, Map<Integer, String> hostOf) {
        Map<String, Integer> hostIndex = hostIndex(cluster);
        return account(cluster, trace, "the plan", (desktop, used) -> {
            String host = hostOf.get(desktop.id());
            return host == null ? -1 : hostIndex.get(host);
        });
    }

    private static Map<String, Integer> hostIndex(GpuCluster cluster) {
        Map<String, Integer> hostIndex = new HashMap<>();
        for (int i = 0; i < cluster.hosts().size(); i++) {
            hostIndex.put(cluster.hosts().get(i).name(), i);
        }
        return hostIndex;
    }

    private static SimulationResult account(GpuCluster cluster, List<DesktopRequest> trace, String decidedBy,
            Decider decider) {
        List<GpuCluster.Host> hosts = cluster.hosts();
        int[] used = new int[hosts.size()];
        PriorityQueue<Running> running = new PriorityQueue<>(
                (a, b) -> Long.compare(a.end(), b.end()));

        int singleRequested = 0;
        int singleRejected = 0;
        int multiRequested = 0;
        int multiRejected = 0;
        long gpuHoursRequested = 0;
        long gpuHoursAccepted = 0;
        TimeAverage stranded2 = new TimeAverage();
        TimeAverage stranded4 = new TimeAverage();
        TimeAverage wholeFree = new TimeAverage();

        for (DesktopRequest desktop : trace) {
            while (!running.isEmpty() && running.peek().end() <= desktop.start()) {
                Running done = running.poll();
                used[done.host()] -= done.gpus();
                observe(done.end(), hosts, used, stranded2, stranded4, wholeFree);
            }

            int host = decider.decide(desktop, used);
            boolean placed = host >= 0;
            if (placed) {
                if (hosts.get(host).gpus() - used[host] < desktop.gpus()) {
                    throw new IllegalStateException(decidedBy
                            + " placed desktop " + desktop.id() + " on a full host");
                }
                used[host] += desktop.gpus();
                running.add(new Running(desktop.end(), host, desktop.gpus()));
                gpuHoursAccepted += desktop.gpus() * desktop.hours();
            }
            gpuHoursRequested += desktop.gpus() * desktop.hours();
            if (desktop.isMultiGpu()) {
                multiRequested++;
                multiRejected += placed ? 0 : 1;
            } else {
                singleRequested++;
                singleRejected += placed ? 0 : 1;
            }
            observe(desktop.start(), hosts, used, stranded2, stranded4, wholeFree);
        }
        while (!running.isEmpty()) {
            // Stranded GPUs are averaged up to the last arrival: while the trace drains
            // nothing arrives that they could be stranded from.
            Running done = running.poll();
            used[done.host()] -= done.gpus();
        }
        return new SimulationResult(singleRequested, singleRejected, multiRequested,
                multiRejected, gpuHoursRequested, gpuHoursAccepted,
                stranded2.mean(), stranded4.mean(), wholeFree.mean());
    }

    private static List<GpuInventory> inventory(GpuCluster cluster, int[] used) {
        List<GpuInventory> rows = new ArrayList<>(used.length);
        for (int i = 0; i < used.length; i++) {
            GpuCluster.Host host = cluster.hosts().get(i);
            rows.add(new GpuInventory(host.name(), cluster.resourceClass(), host.gpus(), used[i]));
        }
        return rows;
    }

    /** Records the state that holds from {@code time} until the next observation. */
    private static void observe(long time, List<GpuCluster.Host> hosts, int[] used,
            TimeAverage stranded2, TimeAverage stranded4, TimeAverage wholeFree) {
        int below2 = 0;
        int below4 = 0;
        int whole = 0;
        for (int i = 0; i < used.length; i++) {
            int free = hosts.get(i).gpus() - used[i];
            below2 += GpuInventoryReport.strandedOn(free, 2);
            below4 += GpuInventoryReport.strandedOn(free, 4);
            whole += used[i] == 0 ? 1 : 0;
        }
        stranded2.advanceTo(time, below2);
        stranded4.advanceTo(time, below4);
        wholeFree.advanceTo(time, whole);
    }

    /** The time average of a piecewise constant value, fed with the value at each change. */
    private static final class TimeAverage {
        private long lastTime = -1;
        private double lastValue;
        private double area;
        private long firstTime = -1;

        void advanceTo(long time, double valueSinceNow) {
            if (lastTime >= 0) {
                area += lastValue * (time - lastTime);
            } else {
                firstTime = time;
            }
            lastTime = time;
            lastValue = valueSinceNow;
        }

        double mean() {
            return lastTime > firstTime ? area / (lastTime - firstTime) : 0;
        }
    }
}
