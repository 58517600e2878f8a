package cn.ac.ihep.heps.agent.gpu;

import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One reconcile pass's GPU plan, in the agent's terms: Placement's inventory, the desktops the
 * agent has on hosts (free again when their window ends), and every desktop it knows of that
 * has no VM yet. {@link #decide} answers for a desktop due now; {@link #outlook} tells an
 * operator, while there is still time, whether a later desktop fits.
 *
 * <p>GPUs Placement counts as used that no known desktop explains (VMs the agent does not
 * manage, or a desktop still being shelved) are treated as in use for good.
 */
public final class GpuCalendar {

    /** A desktop of the agent's with a VM on {@code host}, holding its GPUs until {@code until}. */
    public record Booked(String host, int gpus, Instant until) {
        public Booked {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(until, "until");
        }
    }

    /** A desktop with no VM yet, wanted from {@code start} (when it is booted) to {@code end}. */
    public record Upcoming(String key, Instant start, Instant end, int gpus) {
        public Upcoming {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(end, "end");
        }
    }

    /**
     * One desktop of the plan, for display: its host, or none with the most any host has free
     * throughout its window; {@code due} when its boot time has come (unplanned then means held).
     */
    public record Entry(String key, Instant start, Instant end, int gpus, boolean due, String host,
            int mostFreeThroughout, String mostFreeHost) {
        public boolean planned() {
            return host != null;
        }
    }

    /** How an outlook for a desktop that does not fit begins. */
    public static final String AT_RISK = "at risk: ";

    private static final GpuPlacementStrategy FALLBACK = new PackingGpuPlacement();

    private final String resourceClass;
    private final Instant now;
    private final Map<String, Upcoming> upcoming = new HashMap<>();
    private final Map<String, GpuCalendarPlanner.Slot> slots;

    private GpuCalendar(String resourceClass, Instant now, List<Upcoming> upcoming,
            Map<String, GpuCalendarPlanner.Slot> slots) {
        this.resourceClass = resourceClass;
        this.now = now;
        upcoming.forEach(u -> this.upcoming.put(u.key(), u));
        this.slots = slots;
    }

    /** Plans {@code upcoming} around {@code booked} on the hosts offering {@code resourceClass}. */
    public static GpuCalendar plan(String resourceClass, List<GpuInventory> inventory, List<Booked> booked,
            List<Upcoming> upcoming, Instant now) {
        Objects.requireNonNull(resourceClass, "resourceClass");
        long nowSeconds = now.getEpochSecond();
        List<GpuCalendarPlanner.Host> hosts = new ArrayList<>();
        List<GpuCalendarPlanner.Occupied> occupied = new ArrayList<>();
        Map<String, Integer> known = new HashMap<>();
        for (Booked b : booked) {
            if (b.until().isAfter(now) && b.gpus() > 0) {
                occupied.add(new GpuCalendarPlanner.Occupied(b.host(), b.gpus(), b.until().getEpochSecond()));
                known.merge(b.host(), b.gpus(), Integer::sum);
            }
        }
        for (GpuInventory host : HostGpus.ofClass(resourceClass, inventory)) {
            hosts.add(new GpuCalendarPlanner.Host(host.host(), host.total()));
            int unexplained = host.used() - known.getOrDefault(host.host(), 0);
            if (unexplained > 0) {
                occupied.add(new GpuCalendarPlanner.Occupied(host.host(), unexplained, Long.MAX_VALUE));
            }
        }
        List<GpuCalendarPlanner.Wanted> wanted = new ArrayList<>();
        for (Upcoming u : upcoming) {
            if (u.end().isAfter(now) && u.gpus() > 0) {
                wanted.add(new GpuCalendarPlanner.Wanted(u.key(), u.start().getEpochSecond(),
                        Math.max(u.end().getEpochSecond(), u.start().getEpochSecond() + 1), u.gpus()));
            }
        }
        return new GpuCalendar(resourceClass, now, upcoming,
                new GpuCalendarPlanner().plan(hosts, occupied, wanted, nowSeconds));
    }

    /**
     * For a desktop due now: the host the plan puts it on, if that host still has the GPUs free
     * in {@code inventory} (the pass's current view), or a hold whose reason says why.
     */
    public PlacementDecision decide(String key, List<GpuInventory> inventory) {
        Upcoming desktop = upcoming.get(key);
        GpuCalendarPlanner.Slot slot = slots.get(key);
        if (desktop == null || slot == null) {
            throw new IllegalArgumentException("desktop " + key + " is not in this pass's GPU calendar");
        }
        GpuRequest request = new GpuRequest(resourceClass, desktop.gpus());
        List<GpuInventory> fitNow = GpuAdmission.hostsThatFit(request, inventory);
        if (fitNow.isEmpty()) {
            return GpuAdmission.hold(request, inventory);
        }
        if (slot.planned()) {
            boolean stillFree = fitNow.stream().anyMatch(host -> host.host().equals(slot.host()));
            // Placement moved under the plan (a VM outside the agent's knowledge): pack what is free now.
            return stillFree ? new PlacementDecision.Place(slot.host()) : FALLBACK.place(request, inventory);
        }
        return new PlacementDecision.Hold("needs " + desktop.gpus() + " × " + resourceClass
                + " on one host until " + desktop.end() + "; the GPUs free now are booked for desktops"
                + " due before then (the most free on one host throughout the window is "
                + slot.mostFreeThroughout() + (slot.mostFreeHost() == null ? "" : ", " + slot.mostFreeHost())
                + "); held until capacity frees");
    }

    /** Every planned desktop (those whose window has not ended), in the order they are due. */
    public List<Entry> entries() {
        List<Entry> entries = new ArrayList<>();
        slots.forEach((key, slot) -> {
            Upcoming u = upcoming.get(key);
            entries.add(new Entry(key, u.start(), u.end(), u.gpus(), !u.start().isAfter(now), slot.host(),
                    slot.mostFreeThroughout(), slot.mostFreeHost()));
        });
        entries.sort(java.util.Comparator.comparing(Entry::start).thenComparing(Entry::key));
        return entries;
    }

    /** The Placement resource class this plan is for. */
    public String resourceClass() {
        return resourceClass;
    }

    /** How many desktops not yet due the plan cannot fit: each still has time to be rescheduled. */
    public int atRisk() {
        int count = 0;
        for (Map.Entry<String, GpuCalendarPlanner.Slot> entry : slots.entrySet()) {
            Upcoming desktop = upcoming.get(entry.getKey());
            count += !entry.getValue().planned() && desktop.start().isAfter(now) ? 1 : 0;
        }
        return count;
    }

    /** For a desktop not yet due: where its GPUs are planned, or why they are at risk. */
    public String outlook(String key) {
        Upcoming desktop = upcoming.get(key);
        GpuCalendarPlanner.Slot slot = slots.get(key);
        if (desktop == null || slot == null) {
            throw new IllegalArgumentException("desktop " + key + " is not in this pass's GPU calendar");
        }
        String gpus = desktop.gpus() + " × " + resourceClass;
        if (slot.planned()) {
            return gpus + " planned on " + slot.host();
        }
        return AT_RISK + gpus + " on one host do not fit the GPU calendar from " + desktop.start()
                + " to " + desktop.end() + " (the most free on one host throughout is "
                + slot.mostFreeThroughout() + (slot.mostFreeHost() == null ? "" : ", " + slot.mostFreeHost())
                + "); it will be held unless capacity frees or the schedule changes";
    }
}
