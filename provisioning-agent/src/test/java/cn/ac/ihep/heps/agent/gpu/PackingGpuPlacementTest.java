package cn.ac.ihep.heps.agent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PackingGpuPlacementTest {

    private static final String A100 = "CUSTOM_GPU_A100";
    private static final String V100 = "CUSTOM_GPU_V100";

    private final GpuPlacementStrategy packing = new PackingGpuPlacement();

    @Test
    void fillsAPartlyUsedHostBeforeBreakingIntoAWholeOne() {
        List<GpuInventory> hosts = List.of(
                new GpuInventory("gpu-a", A100, 4, 0),
                new GpuInventory("gpu-b", A100, 8, 2));

        assertEquals(new PlacementDecision.Place("gpu-b"), packing.place(new GpuRequest(A100, 1), hosts));
    }

    @Test
    void picksThePartlyUsedHostWithTheFewestFreeGpusThatStillFits() {
        List<GpuInventory> hosts = List.of(
                new GpuInventory("gpu-a", A100, 8, 2),
                new GpuInventory("gpu-b", A100, 8, 6),
                new GpuInventory("gpu-c", A100, 8, 7));

        assertEquals(new PlacementDecision.Place("gpu-b"), packing.place(new GpuRequest(A100, 2), hosts));
        assertEquals(new PlacementDecision.Place("gpu-c"), packing.place(new GpuRequest(A100, 1), hosts));
    }

    @Test
    void takesTheSmallestWholeHostWhenNoPartlyUsedHostFits() {
        List<GpuInventory> hosts = List.of(
                new GpuInventory("gpu-big", A100, 8, 0),
                new GpuInventory("gpu-full", A100, 4, 3),
                new GpuInventory("gpu-small", A100, 4, 0));

        assertEquals(new PlacementDecision.Place("gpu-small"), packing.place(new GpuRequest(A100, 4), hosts));
        assertEquals(new PlacementDecision.Place("gpu-small"), packing.place(new GpuRequest(A100, 2), hosts));
        assertEquals(new PlacementDecision.Place("gpu-full"), packing.place(new GpuRequest(A100, 1), hosts));
    }

    @Test
    void countsOnlyGpusOfTheRequestedClass() {
        List<GpuInventory> hosts = List.of(
                new GpuInventory("gpu-a", V100, 8, 1),
                new GpuInventory("gpu-a", A100, 4, 4),
                new GpuInventory("gpu-b", A100, 4, 2));

        assertEquals(new PlacementDecision.Place("gpu-b"), packing.place(new GpuRequest(A100, 2), hosts));
        assertEquals(new PlacementDecision.Place("gpu-a"), packing.place(new GpuRequest(V100, 2), hosts));
    }

    @Test
    void addsUpSeveralProvidersOfOneHost() {
        // Placement may show one resource provider per GPU under the same compute node.
        List<GpuInventory> hosts = List.of(
                new GpuInventory("gpu-a", A100, 1, 0),
                new GpuInventory("gpu-a", A100, 1, 0),
                new GpuInventory("gpu-a", A100, 1, 1),
                new GpuInventory("gpu-b", A100, 1, 0));

        assertEquals(new PlacementDecision.Place("gpu-a"), packing.place(new GpuRequest(A100, 2), hosts));
    }

    @Test
    void breaksTiesByHostNameWhateverTheInventoryOrder() {
        List<GpuInventory> hosts = new ArrayList<>(List.of(
                new GpuInventory("gpu-c", A100, 8, 5),
                new GpuInventory("gpu-a", A100, 8, 5),
                new GpuInventory("gpu-b", A100, 4, 1)));
        Random random = new Random(7);
        for (int i = 0; i < 10; i++) {
            Collections.shuffle(hosts, random);
            assertEquals(new PlacementDecision.Place("gpu-a"), packing.place(new GpuRequest(A100, 3), hosts));
        }
    }

    @Test
    void holdsWhenNoHostHasEnoughFreeGpus() {
        List<GpuInventory> hosts = List.of(
                new GpuInventory("gpu-a", A100, 4, 3),
                new GpuInventory("gpu-b", A100, 4, 3));

        assertEquals(PlacementDecision.Hold.class, packing.place(new GpuRequest(A100, 2), hosts).getClass());
    }

    @Test
    void refusesAnInventoryWithNegativeCounts() {
        List<GpuInventory> hosts = List.of(new GpuInventory("gpu-a", A100, 4, -1));

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> packing.place(new GpuRequest(A100, 1), hosts));
        assertEquals("GPU inventory of host gpu-a has a negative count: total 4, used -1",
                error.getMessage());
    }

    @Test
    void refusesAnInventoryRowWithoutAHost() {
        List<GpuInventory> hosts = List.of(new GpuInventory(null, A100, 4, 0));

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> packing.place(new GpuRequest(A100, 1), hosts));
        assertEquals("GPU inventory row without a host or resource class: GpuInventory[host=null,"
                + " resourceClass=CUSTOM_GPU_A100, total=4, used=0]", error.getMessage());
    }

    @Test
    void refusesAMissingInventory() {
        assertThrows(NullPointerException.class, () -> packing.place(new GpuRequest(A100, 1), null));
    }
}
