package cn.ac.ihep.heps.agent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.gpu.GpuCalendarPlanner.Host;
import cn.ac.ihep.heps.agent.gpu.GpuCalendarPlanner.Occupied;
import cn.ac.ihep.heps.agent.gpu.GpuCalendarPlanner.Slot;
import cn.ac.ihep.heps.agent.gpu.GpuCalendarPlanner.Wanted;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GpuCalendarPlannerTest {

    private final GpuCalendarPlanner planner = new GpuCalendarPlanner();

    @Test
    void aLongFourGpuDesktopDueNowGivesWayToMoreDesktopsLater() {
        // One 4-GPU host: taking the 4-GPU desktop now would turn away the three that follow.
        Map<String, Slot> plan = planner.plan(List.of(new Host("gpu4", 4)), List.of(), List.of(
                new Wanted("big", 0, 100, 4),
                new Wanted("a", 50, 60, 1), new Wanted("b", 50, 60, 1), new Wanted("c", 55, 70, 1)), 0);
        assertFalse(plan.get("big").planned());
        assertEquals(1, plan.get("big").mostFreeThroughout(), "one GPU is left over the whole window");
        for (String small : List.of("a", "b", "c")) {
            assertEquals("gpu4", plan.get(small).host(), small);
        }
    }

    @Test
    void desktopsAlreadyOnHostsAreNeverDisplaced() {
        Map<String, Slot> plan = planner.plan(List.of(new Host("gpu4", 4)),
                List.of(new Occupied("gpu4", 4, 10)), List.of(
                        new Wanted("during", 0, 5, 1), new Wanted("overlapping", 8, 20, 1),
                        new Wanted("after", 10, 20, 1)), 0);
        assertFalse(plan.get("during").planned());
        assertFalse(plan.get("overlapping").planned());
        assertEquals("gpu4", plan.get("after").host());
    }

    @Test
    void usageNobodyExplainsIsTakenAsPermanent() {
        Map<String, Slot> plan = planner.plan(List.of(new Host("gpu4", 4)),
                List.of(new Occupied("gpu4", 2, Long.MAX_VALUE)),
                List.of(new Wanted("three", 1_000_000, 1_000_010, 3), new Wanted("two", 1_000_000, 1_000_010, 2)), 0);
        assertFalse(plan.get("three").planned());
        assertEquals("gpu4", plan.get("two").host());
        Slot alone = planner.plan(List.of(new Host("gpu4", 4)), List.of(new Occupied("gpu4", 2, Long.MAX_VALUE)),
                List.of(new Wanted("three", 1_000_000, 1_000_010, 3)), 0).get("three");
        assertFalse(alone.planned());
        assertEquals(2, alone.mostFreeThroughout());
        assertEquals("gpu4", alone.mostFreeHost());
    }

    @Test
    void partlyUsedHostsFillFirstSoWholeHostsStayWhole() {
        List<Host> hosts = List.of(new Host("a", 4), new Host("b", 4));
        Map<String, Slot> plan = planner.plan(hosts, List.of(new Occupied("b", 3, 10)),
                List.of(new Wanted("one", 0, 5, 1), new Wanted("four", 2, 8, 4)), 0);
        assertEquals("b", plan.get("one").host());
        assertEquals("a", plan.get("four").host());
    }

    @Test
    void aWindowAlreadyOpenIsPlannedFromNow() {
        Map<String, Slot> plan = planner.plan(List.of(new Host("gpu2", 2)), List.of(new Occupied("gpu2", 2, 50)),
                List.of(new Wanted("late", 0, 100, 2)), 60);
        assertEquals("gpu2", plan.get("late").host());
    }

    @Test
    void hostsOfAnotherClassAndBadInputAreRefusedOrIgnored() {
        Map<String, Slot> plan = planner.plan(List.of(new Host("gpu1", 1)),
                List.of(new Occupied("elsewhere", 8, Long.MAX_VALUE)), List.of(new Wanted("x", 0, 1, 1)), 0);
        assertEquals("gpu1", plan.get("x").host());
        assertNull(planner.plan(List.of(), List.of(), List.of(new Wanted("x", 0, 1, 1)), 0).get("x").host());
        assertThrows(IllegalArgumentException.class, () -> planner.plan(List.of(new Host("h", 1), new Host("h", 2)),
                List.of(), List.of(), 0));
        assertThrows(IllegalArgumentException.class, () -> planner.plan(List.of(new Host("h", 1)), List.of(),
                List.of(new Wanted("x", 0, 1, 1), new Wanted("x", 2, 3, 1)), 0));
        assertThrows(IllegalArgumentException.class, () -> new Wanted("x", 5, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> new Wanted("x", 0, 5, 0));
    }

    /** Random calendars: no host is ever over-booked, and the answer does not depend on input order. */
    @Test
    void noHostIsEverOverbookedAndInputOrderDoesNotMatter() {
        Random random = new Random(20261125L);
        for (int c = 0; c < 400; c++) {
            Calendar calendar = Calendar.random(random, 4, 30);
            Map<String, Slot> plan = planner.plan(calendar.hosts, calendar.occupied, calendar.wanted, calendar.now);
            String context = "case " + c + ": " + calendar;
            assertEquals(calendar.wanted.size(), plan.size(), context);
            for (Wanted w : calendar.wanted) {
                Slot slot = plan.get(w.id());
                assertTrue(slot.planned() || slot.mostFreeThroughout() < w.gpus(),
                        context + ": " + w.id() + " was left out although " + slot.mostFreeThroughout() + " were free");
            }
            calendar.assertWithinCapacity(plan, context);

            List<Wanted> shuffled = new ArrayList<>(calendar.wanted);
            Collections.shuffle(shuffled, random);
            List<Host> hosts = new ArrayList<>(calendar.hosts);
            Collections.shuffle(hosts, random);
            assertEquals(plan, planner.plan(hosts, calendar.occupied, shuffled, calendar.now), context);
        }
    }

    /**
     * Against an exhaustive search on small calendars: the plan serves at least 95 % of the
     * desktops the best possible schedule serves, summed over all cases, and never more.
     */
    @Test
    void servesNearlyAsManyDesktopsAsAnExhaustiveSearch() {
        Random random = new Random(7L);
        int planned = 0;
        int best = 0;
        for (int c = 0; c < 300; c++) {
            Calendar calendar = Calendar.random(random, 2, 7);
            Map<String, Slot> plan = planner.plan(calendar.hosts, calendar.occupied, calendar.wanted, calendar.now);
            int mine = (int) plan.values().stream().filter(Slot::planned).count();
            int optimum = calendar.exhaustiveBest();
            assertTrue(mine <= optimum, "case " + c + " planned " + mine + " > optimum " + optimum + ": " + calendar);
            planned += mine;
            best += optimum;
        }
        assertTrue(planned >= 0.95 * best, "planned " + planned + " of an optimal " + best);
    }

    private record Calendar(List<Host> hosts, List<Occupied> occupied, List<Wanted> wanted, long now) {

        /** Every window ends before this. */
        static final int HORIZON = 60;

        static Calendar random(Random random, int maxHosts, int maxWanted) {
            int[] sizes = {1, 2, 4, 8};
            int[] asks = {1, 1, 1, 2, 2, 4};
            List<Host> hosts = new ArrayList<>();
            int hostCount = 1 + random.nextInt(maxHosts);
            for (int h = 0; h < hostCount; h++) {
                hosts.add(new Host("h" + h, sizes[random.nextInt(sizes.length)]));
            }
            long now = random.nextInt(5);
            List<Occupied> occupied = new ArrayList<>();
            for (Host host : hosts) {
                int left = host.gpus();
                while (left > 0 && random.nextInt(3) == 0) {
                    int gpus = 1 + random.nextInt(left);
                    long until = random.nextInt(6) == 0 ? Long.MAX_VALUE : now + 1 + random.nextInt(20);
                    occupied.add(new Occupied(host.name(), gpus, until));
                    left -= gpus;
                }
            }
            List<Wanted> wanted = new ArrayList<>();
            int count = 1 + random.nextInt(maxWanted);
            for (int i = 0; i < count; i++) {
                long start = random.nextInt(30);
                wanted.add(new Wanted("w" + i, start, start + 1 + random.nextInt(15), asks[random.nextInt(asks.length)]));
            }
            return new Calendar(hosts, occupied, wanted, now);
        }

        /** GPUs in use on {@code host} at {@code time} by the occupied ones and {@code planned}. */
        int useAt(String host, long time, Map<String, String> hostOf) {
            int use = 0;
            for (Occupied o : occupied) {
                if (o.host().equals(host) && time < o.until()) {
                    use += o.gpus();
                }
            }
            for (Wanted w : wanted) {
                if (host.equals(hostOf.get(w.id())) && Math.max(w.start(), now) <= time && time < w.end()) {
                    use += w.gpus();
                }
            }
            return use;
        }

        void assertWithinCapacity(Map<String, Slot> plan, String context) {
            Map<String, String> hostOf = new java.util.HashMap<>();
            plan.forEach((id, slot) -> {
                if (slot.planned()) {
                    hostOf.put(id, slot.host());
                }
            });
            for (Host host : hosts) {
                for (long t = now; t < HORIZON; t++) {
                    int use = useAt(host.name(), t, hostOf);
                    int already = useAt(host.name(), t, Map.of());
                    assertTrue(use <= Math.max(host.gpus(), already),
                            context + ": " + host.name() + " holds " + use + " of " + host.gpus() + " at " + t);
                }
            }
        }

        /** The most desktops any schedule serves: every desktop on some host or none, pruned as it goes. */
        int exhaustiveBest() {
            int[][] use = new int[hosts.size()][HORIZON];
            for (int h = 0; h < hosts.size(); h++) {
                for (long t = now; t < HORIZON; t++) {
                    use[h][(int) t] = useAt(hosts.get(h).name(), t, Map.of());
                }
            }
            return search(0, use);
        }

        private int search(int i, int[][] use) {
            if (i == wanted.size()) {
                return 0;
            }
            int best = search(i + 1, use);
            Wanted w = wanted.get(i);
            int from = (int) Math.max(w.start(), now);
            for (int h = 0; h < hosts.size(); h++) {
                boolean fits = true;
                for (int t = from; t < w.end() && fits; t++) {
                    fits = use[h][t] + w.gpus() <= hosts.get(h).gpus();
                }
                if (!fits) {
                    continue;
                }
                for (int t = from; t < w.end(); t++) {
                    use[h][t] += w.gpus();
                }
                best = Math.max(best, 1 + search(i + 1, use));
                for (int t = from; t < w.end(); t++) {
                    use[h][t] -= w.gpus();
                }
            }
            return best;
        }
    }
}
