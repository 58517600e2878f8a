package cn.ac.ihep.heps.agent.gpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Plans GPU desktops against the beamtime calendar rather than against this moment alone.
 *
 * <p>Beamtime is scheduled ahead, so when a desktop has to be booted the agent already knows
 * most of the desktops that will want GPUs during its window. A desktop already booted cannot
 * move (PCI passthrough pins it to its host until it is shelved), but none of the others has
 * a host yet. Each plan starts from what is on the hosts now, with the time each of those
 * GPUs frees, and then:
 * <ol>
 *   <li><b>admits</b> the largest number of known desktops the cluster's GPUs can carry at
 *       every moment: a linear program over the time line, solved exactly as a minimum-cost
 *       flow, in which every desktop is worth one whatever its GPU count (a desktop the program
 *       would take only in part is not admitted);</li>
 *   <li><b>places</b> the admitted desktops in the order their windows open, each on the host
 *       with the fewest GPUs to spare at its busiest moment in that window (best fit in GPUs
 *       and in time), so partly used hosts fill first and whole hosts stay whole for 2- and
 *       4-GPU desktops; then any other desktop that still fits somewhere.</li>
 * </ol>
 * The desktops due now are booted where the plan puts them; one the plan cannot fit is held,
 * and a later one shows as at risk while there is still time to change the schedule.
 *
 * <p>Times are plain numbers in any one unit (the agent uses epoch seconds). The plan is a
 * pure function of its arguments: the same calendar gives the same plan.
 */
public final class GpuCalendarPlanner {

    /** A compute host and how many GPUs of the planned resource class it has in total. */
    public record Host(String name, int gpus) {
        public Host {
            Objects.requireNonNull(name, "name");
            if (gpus < 0) {
                throw new IllegalArgumentException("host " + name + " has " + gpus + " GPUs");
            }
        }
    }

    /**
     * GPUs in use on a host now, free again at {@code until}; {@link Long#MAX_VALUE} when
     * nobody knows (a VM the agent does not manage).
     */
    public record Occupied(String host, int gpus, long until) {
        public Occupied {
            Objects.requireNonNull(host, "host");
        }
    }

    /** A desktop not yet booted: {@code gpus} GPUs on one host from start to end. */
    public record Wanted(String id, long start, long end, int gpus) {
        public Wanted {
            Objects.requireNonNull(id, "id");
            if (end <= start) {
                throw new IllegalArgumentException("desktop " + id + " ends before it starts");
            }
            if (gpus < 1) {
                throw new IllegalArgumentException("desktop " + id + " asks for " + gpus + " GPUs");
            }
        }
    }

    /**
     * The plan for one wanted desktop: the host it goes on ({@code null} when it fits
     * nowhere), and the most GPUs any one host has free throughout its window besides it.
     */
    public record Slot(String host, int mostFreeThroughout, String mostFreeHost) {
        public boolean planned() {
            return host != null;
        }
    }

    /** Within one opening time, the order of placement: larger desktops first (first fit decreasing). */
    private static final Comparator<Wanted> PLACEMENT_ORDER = Comparator.comparingLong(Wanted::start)
            .thenComparing(Comparator.comparingInt(Wanted::gpus).reversed())
            .thenComparingLong(Wanted::end)
            .thenComparing(Wanted::id);

    /**
     * Fits {@code wanted} around {@code occupied} on {@code hosts}, from {@code now} on. A
     * desktop whose window has already opened is planned from now. Returns one slot per
     * wanted desktop, by id.
     */
    public Map<String, Slot> plan(List<Host> hosts, List<Occupied> occupied, List<Wanted> wanted, long now) {
        Map<String, Integer> hostIndex = new HashMap<>();
        for (int h = 0; h < hosts.size(); h++) {
            if (hostIndex.put(hosts.get(h).name(), h) != null) {
                throw new IllegalArgumentException("host " + hosts.get(h).name() + " is listed twice");
            }
        }
        Set<String> ids = new HashSet<>();
        for (Wanted w : wanted) {
            if (!ids.add(w.id())) {
                throw new IllegalArgumentException("desktop " + w.id() + " is wanted twice");
            }
        }
        // Sorted inputs make the plan independent of the order the caller lists things in.
        List<Occupied> onHosts = occupied.stream()
                .filter(o -> hostIndex.containsKey(o.host()) && o.gpus() > 0 && o.until() > now)
                .sorted(Comparator.comparing(Occupied::host).thenComparingLong(Occupied::until)
                        .thenComparingInt(Occupied::gpus))
                .toList();
        List<Wanted> order = new ArrayList<>(wanted);
        order.sort(PLACEMENT_ORDER);
        long[] times = breakpoints(onHosts, order, now);

        Set<String> admitted = admit(hosts, onHosts, order, times, now);
        order.sort(Comparator.comparing((Wanted w) -> !admitted.contains(w.id())).thenComparing(PLACEMENT_ORDER));

        int[][] used = new int[hosts.size()][times.length];
        for (Occupied o : onHosts) {
            int h = hostIndex.get(o.host());
            int to = o.until() == Long.MAX_VALUE ? times.length : segment(times, o.until());
            for (int k = 0; k < to; k++) {
                used[h][k] += o.gpus();
            }
        }
        Map<String, Slot> slots = new HashMap<>();
        for (Wanted w : order) {
            slots.put(w.id(), place(hosts, used, w, segment(times, Math.max(w.start(), now)),
                    segment(times, Math.max(w.end(), now))));
        }
        return slots;
    }

    /** Best fit over segments {@code from..to-1}; books the GPUs when a host fits. */
    private static Slot place(List<Host> hosts, int[][] used, Wanted w, int from, int to) {
        int best = -1;
        int bestSpare = Integer.MAX_VALUE;
        int mostFree = -1;
        int mostFreeHost = -1;
        for (int h = 0; h < hosts.size(); h++) {
            int peak = 0;
            for (int k = from; k < to; k++) {
                peak = Math.max(peak, used[h][k]);
            }
            int free = Math.max(0, hosts.get(h).gpus() - peak);
            if (free > mostFree || free == mostFree && hosts.get(h).name().compareTo(hosts.get(mostFreeHost).name()) < 0) {
                mostFree = free;
                mostFreeHost = h;
            }
            int spare = free - w.gpus();
            if (spare >= 0 && (spare < bestSpare
                    || spare == bestSpare && hosts.get(h).name().compareTo(hosts.get(best).name()) < 0)) {
                best = h;
                bestSpare = spare;
            }
        }
        String mostFreeName = mostFreeHost < 0 ? null : hosts.get(mostFreeHost).name();
        if (best < 0) {
            return new Slot(null, Math.max(mostFree, 0), mostFreeName);
        }
        for (int k = from; k < to; k++) {
            used[best][k] += w.gpus();
        }
        return new Slot(hosts.get(best).name(), mostFree, mostFreeName);
    }

    /**
     * The desktops a maximum-count schedule takes whole when the cluster's GPUs are pooled.
     * Flow along the time line is spare capacity; a desktop's arc carries its GPUs past its
     * window. The desktops already on hosts are worth more than any number of wanted ones, so
     * the program never trades them away.
     */
    private static Set<String> admit(List<Host> hosts, List<Occupied> onHosts, List<Wanted> wanted,
            long[] times, long now) {
        int last = times.length - 1;
        if (last == 0) {
            return Set.of();
        }
        long scale = 1;
        for (Wanted w : wanted) {
            scale = lcm(scale, w.gpus());
        }
        long capacity = hosts.stream().mapToLong(Host::gpus).sum();
        MinCostFlow flow = new MinCostFlow(times.length);
        for (int k = 0; k < last; k++) {
            flow.addArc(k, k + 1, capacity, 0);
        }
        long keep = scale * (wanted.size() + 1L);
        for (Occupied o : onHosts) {
            int to = o.until() == Long.MAX_VALUE ? last : segment(times, o.until());
            flow.addArc(0, to, o.gpus(), -keep);
        }
        int[] arcs = new int[wanted.size()];
        for (int i = 0; i < wanted.size(); i++) {
            Wanted w = wanted.get(i);
            int from = segment(times, Math.max(w.start(), now));
            int to = segment(times, Math.max(w.end(), now));
            arcs[i] = from < to ? flow.addArc(from, to, w.gpus(), -(scale / w.gpus())) : -1;
        }
        flow.solve(capacity);
        Set<String> admitted = new HashSet<>();
        for (int i = 0; i < wanted.size(); i++) {
            if (arcs[i] >= 0 && flow.flow(arcs[i]) == wanted.get(i).gpus()) {
                admitted.add(wanted.get(i).id());
            }
        }
        return admitted;
    }

    private static long lcm(long a, long b) {
        long x = a;
        long y = b;
        while (y != 0) {
            long t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }

    /** Every moment at which some host's use can change, from {@code now} on. */
    private static long[] breakpoints(List<Occupied> onHosts, List<Wanted> wanted, long now) {
        TreeSet<Long> set = new TreeSet<>();
        set.add(now);
        for (Occupied o : onHosts) {
            if (o.until() != Long.MAX_VALUE) {
                set.add(o.until());
            }
        }
        for (Wanted w : wanted) {
            set.add(Math.max(w.start(), now));
            set.add(Math.max(w.end(), now));
        }
        return set.stream().mapToLong(Long::longValue).toArray();
    }

    /** The index of the breakpoint {@code time}, which starts a segment. */
    private static int segment(long[] times, long time) {
        int k = Arrays.binarySearch(times, time);
        if (k < 0) {
            throw new IllegalStateException("not a breakpoint: " + time);
        }
        return k;
    }
}
