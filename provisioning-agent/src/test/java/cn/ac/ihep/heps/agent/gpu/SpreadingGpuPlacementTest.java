package cn.ac.ihep.heps.agent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpreadingGpuPlacementTest {

    private static final String A100 = "CUSTOM_GPU_A100";

    private final GpuPlacementStrategy spreading = new SpreadingGpuPlacement();

    @Test
    void picksTheHostWithTheMostFreeGpus() {
        List<GpuInventory> hosts = List.of(
                new GpuInventory("gpu-a", A100, 4, 0),
                new GpuInventory("gpu-b", A100, 8, 2),
                new GpuInventory("gpu-c", A100, 8, 7));

        assertEquals(new PlacementDecision.Place("gpu-b"), spreading.place(new GpuRequest(A100, 1), hosts));
    }

    @Test
    void breaksTiesByHostName() {
        List<GpuInventory> hosts = List.of(
                new GpuInventory("gpu-b", A100, 4, 0),
                new GpuInventory("gpu-a", A100, 8, 4));

        assertEquals(new PlacementDecision.Place("gpu-a"), spreading.place(new GpuRequest(A100, 2), hosts));
    }

    @Test
    void holdsWhenNoHostHasEnoughFreeGpus() {
        List<GpuInventory> hosts = List.of(new GpuInventory("gpu-a", A100, 8, 5));

        assertEquals(PlacementDecision.Hold.class, spreading.place(new GpuRequest(A100, 4), hosts).getClass());
    }
}
