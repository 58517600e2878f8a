package cn.ac.ihep.heps.bench.gpu;

import cn.ac.ihep.heps.agent.gpu.GpuCalendarPlanner;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays a trace through {@link GpuCalendarPlanner} the way the agent's reconcile loop uses
 * it: at every moment some desktop is due, plan every desktop announced so far and not yet
 * booted around the desktops already on the hosts, boot the ones due now where the plan puts
 * them, and turn away the ones due now that the plan could not fit (the same loss model as
 * {@link OnlineSimulation}). Booted desktops never move.
 */
final class CalendarSimulation {

    private CalendarSimulation() {
    }

    static SimulationResult run(GpuCluster cluster, List<DesktopRequest> trace, GpuCalendarPlanner planner) {
        List<GpuCalendarPlanner.Host> hosts = cluster.hosts().stream()
                .map(h -> new GpuCalendarPlanner.Host(h.name(), h.gpus())).toList();
        List<DesktopRequest> byAnnouncement = new ArrayList<>(trace);
        byAnnouncement.sort(Comparator.comparingLong(DesktopRequest::announced)
                .thenComparingInt(DesktopRequest::id));
        List<DesktopRequest> byStart = new ArrayList<>(trace);
        byStart.sort(Comparator.comparingLong(DesktopRequest::start).thenComparingInt(DesktopRequest::id));

        Map<Integer, DesktopRequest> known = new LinkedHashMap<>();
        List<GpuCalendarPlanner.Occupied> running = new ArrayList<>();
        Map<Integer, String> hostOf = new LinkedHashMap<>();
        int announcedUpTo = 0;
        int next = 0;
        while (next < byStart.size()) {
            long now = byStart.get(next).start();
            while (announcedUpTo < byAnnouncement.size() && byAnnouncement.get(announcedUpTo).announced() <= now) {
                DesktopRequest d = byAnnouncement.get(announcedUpTo++);
                known.put(d.id(), d);
            }
            running.removeIf(o -> o.until() <= now);
            List<GpuCalendarPlanner.Wanted> wanted = new ArrayList<>(known.size());
            for (DesktopRequest d : known.values()) {
                wanted.add(new GpuCalendarPlanner.Wanted(Integer.toString(d.id()), d.start(), d.end(), d.gpus()));
            }
            Map<String, GpuCalendarPlanner.Slot> plan = planner.plan(hosts, running, wanted, now);
            while (next < byStart.size() && byStart.get(next).start() == now) {
                DesktopRequest due = byStart.get(next++);
                known.remove(due.id());
                GpuCalendarPlanner.Slot slot = plan.get(Integer.toString(due.id()));
                if (slot.planned()) {
                    running.add(new GpuCalendarPlanner.Occupied(slot.host(), due.gpus(), due.end()));
                    hostOf.put(due.id(), slot.host());
                }
            }
        }
        return OnlineSimulation.replay(cluster, trace, hostOf);
    }
}
