package cn.ac.ihep.heps.agent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Invariants checked on many random inventories (seeded, so a failure names a case that can
 * be replayed). The expected values are computed here independently of the strategies.
 */
class GpuPlacementPropertiesTest {

    private static final String[] CLASSES = {"CUSTOM_GPU_A100", "CUSTOM_GPU_V100"};
    private static final int[] HOST_SIZES = {1, 2, 4, 8};
    private static final int CASES = 5_000;

    private final GpuPlacementStrategy packing = new PackingGpuPlacement();
    private final GpuPlacementStrategy spreading = new SpreadingGpuPlacement();

    @Test
    void aPlacedDesktopAlwaysFitsItsHostAndAHoldMeansNoHostFits() {
        Random random = new Random(20261125L);
        for (int i = 0; i < CASES; i++) {
            List<GpuInventory> inventory = randomInventory(random);
            GpuRequest request = randomRequest(random);
            Map<String, Integer> free = freeByHost(request.resourceClass(), inventory);
            boolean someHostFits = free.values().stream().anyMatch(f -> f >= request.count());
            for (GpuPlacementStrategy strategy : List.of(packing, spreading)) {
                PlacementDecision decision = strategy.place(request, inventory);
                String context = "case " + i + ", " + strategy.getClass().getSimpleName() + ": "
                        + request + " on " + inventory + " gave " + decision;
                if (decision instanceof PlacementDecision.Place place) {
                    Integer hostFree = free.get(place.host());
                    assertTrue(hostFree != null && hostFree >= request.count(), context);
                } else {
                    assertTrue(!someHostFits, context);
                }
            }
        }
    }

    @Test
    void packingNeverLeavesFewerWholeFreeHostsThanSpreading() {
        Random random = new Random(42L);
        for (int i = 0; i < CASES; i++) {
            List<GpuInventory> inventory = randomInventory(random);
            GpuRequest request = randomRequest(random);
            PlacementDecision packed = packing.place(request, inventory);
            PlacementDecision spread = spreading.place(request, inventory);
            String context = "case " + i + ": " + request + " on " + inventory;
            assertEquals(packed.getClass(), spread.getClass(), context);
            if (packed instanceof PlacementDecision.Place packedOn
                    && spread instanceof PlacementDecision.Place spreadOn) {
                assertTrue(wholeFreeHostsAfter(request, inventory, packedOn.host())
                        >= wholeFreeHostsAfter(request, inventory, spreadOn.host()), context);
            }
        }
    }

    @Test
    void packingIsBestFitAmongPartlyUsedHostsAndSpreadingIsMostFree() {
        Random random = new Random(7L);
        for (int i = 0; i < CASES; i++) {
            List<GpuInventory> inventory = randomInventory(random);
            GpuRequest request = randomRequest(random);
            Map<String, Integer> free = freeByHost(request.resourceClass(), inventory);
            Map<String, Integer> used = usedByHost(request.resourceClass(), inventory);
            String context = "case " + i + ": " + request + " on " + inventory;
            List<String> fitting = free.keySet().stream()
                    .filter(host -> free.get(host) >= request.count()).toList();
            if (fitting.isEmpty()) {
                continue;
            }
            String packedOn = ((PlacementDecision.Place) packing.place(request, inventory)).host();
            List<String> partlyUsed = fitting.stream().filter(host -> used.get(host) > 0).toList();
            List<String> pool = partlyUsed.isEmpty() ? fitting : partlyUsed;
            assertTrue(pool.contains(packedOn), context);
            int tightest = pool.stream().mapToInt(free::get).min().orElseThrow();
            assertEquals(tightest, free.get(packedOn), context);

            String spreadOn = ((PlacementDecision.Place) spreading.place(request, inventory)).host();
            int most = fitting.stream().mapToInt(free::get).max().orElseThrow();
            assertEquals(most, free.get(spreadOn), context);
        }
    }

    @Test
    void decisionsDoNotDependOnInventoryOrder() {
        Random random = new Random(99L);
        for (int i = 0; i < CASES / 5; i++) {
            List<GpuInventory> inventory = randomInventory(random);
            GpuRequest request = randomRequest(random);
            List<GpuInventory> shuffled = new ArrayList<>(inventory);
            Collections.shuffle(shuffled, random);
            for (GpuPlacementStrategy strategy : List.of(packing, spreading)) {
                PlacementDecision first = strategy.place(request, inventory);
                PlacementDecision second = strategy.place(request, shuffled);
                if (first instanceof PlacementDecision.Place) {
                    assertEquals(first, second, "case " + i + ": " + request + " on " + inventory);
                } else if (!(second instanceof PlacementDecision.Hold)) {
                    fail("case " + i + ": held once and placed once: " + request + " on " + inventory);
                }
            }
        }
    }

    private static List<GpuInventory> randomInventory(Random random) {
        List<GpuInventory> rows = new ArrayList<>();
        int hosts = random.nextInt(9);
        for (int h = 0; h < hosts; h++) {
            String host = "gpu-" + (char) ('a' + h);
            for (String resourceClass : CLASSES) {
                if (random.nextInt(3) == 0) {
                    continue;
                }
                // Sometimes Placement reports a host's GPUs as several providers.
                int providers = random.nextInt(4) == 0 ? 2 : 1;
                for (int p = 0; p < providers; p++) {
                    int total = HOST_SIZES[random.nextInt(HOST_SIZES.length)];
                    int used = random.nextInt(3) == 0 ? 0 : random.nextInt(total + 1);
                    rows.add(new GpuInventory(host, resourceClass, total, used));
                }
            }
        }
        return rows;
    }

    private static GpuRequest randomRequest(Random random) {
        int[] counts = {1, 1, 1, 2, 2, 4, 8};
        return new GpuRequest(CLASSES[random.nextInt(CLASSES.length)], counts[random.nextInt(counts.length)]);
    }

    private static Map<String, Integer> freeByHost(String resourceClass, List<GpuInventory> inventory) {
        Map<String, Integer> free = new TreeMap<>();
        for (GpuInventory row : inventory) {
            if (row.resourceClass().equals(resourceClass)) {
                free.merge(row.host(), row.total() - row.used(), Integer::sum);
            }
        }
        return free;
    }

    private static Map<String, Integer> usedByHost(String resourceClass, List<GpuInventory> inventory) {
        Map<String, Integer> used = new TreeMap<>();
        for (GpuInventory row : inventory) {
            if (row.resourceClass().equals(resourceClass)) {
                used.merge(row.host(), row.used(), Integer::sum);
            }
        }
        return used;
    }

    /** Hosts with every GPU of the request's class free once the desktop is on {@code host}. */
    private static long wholeFreeHostsAfter(GpuRequest request, List<GpuInventory> inventory, String host) {
        Map<String, Integer> used = usedByHost(request.resourceClass(), inventory);
        used.merge(host, request.count(), Integer::sum);
        return used.values().stream().filter(u -> u == 0).count();
    }
}
