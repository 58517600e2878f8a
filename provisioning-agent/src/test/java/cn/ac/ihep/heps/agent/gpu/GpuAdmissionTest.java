package cn.ac.ihep.heps.agent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hold reasons an operator reads in {@code heps desktops show} and the agent's log. */
class GpuAdmissionTest {

    private static final String A100 = "CUSTOM_GPU_A100";
    private static final String V100 = "CUSTOM_GPU_V100";

    private final GpuPlacementStrategy packing = new PackingGpuPlacement();

    @Test
    void saysHowMuchIsFreeWhenTheHostsAreBusy() {
        List<GpuInventory> hosts = List.of(
                new GpuInventory("gpu-host-1", A100, 4, 3),
                new GpuInventory("gpu-host-2", A100, 4, 4));

        assertEquals(new PlacementDecision.Hold("needs 2 × CUSTOM_GPU_A100 on one host; the most free"
                        + " on any host is 1 (gpu-host-1); held until capacity frees"),
                packing.place(new GpuRequest(A100, 2), hosts));
    }

    @Test
    void saysWhenEnoughIsFreeButSpreadOverHosts() {
        List<GpuInventory> hosts = List.of(
                new GpuInventory("gpu-host-1", A100, 4, 3),
                new GpuInventory("gpu-host-2", A100, 8, 7),
                new GpuInventory("gpu-host-3", A100, 4, 4));

        assertEquals(new PlacementDecision.Hold("needs 2 × CUSTOM_GPU_A100 on one host; the most free"
                        + " on any host is 1 (gpu-host-1); 2 are free in all but spread over 2 hosts;"
                        + " held until capacity frees"),
                packing.place(new GpuRequest(A100, 2), hosts));
    }

    @Test
    void saysWaitingWillNotHelpWhenNoHostIsBigEnough() {
        List<GpuInventory> hosts = List.of(
                new GpuInventory("gpu-host-1", A100, 4, 0),
                new GpuInventory("gpu-host-2", A100, 4, 0));

        assertEquals(new PlacementDecision.Hold("needs 8 × CUSTOM_GPU_A100 on one host; the largest host"
                        + " has 4 in total (gpu-host-1); waiting will not help: use a flavor with at most"
                        + " 4 GPUs"),
                packing.place(new GpuRequest(A100, 8), hosts));
    }

    @Test
    void namesTheClassesOfferedWhenNoHostHasTheRequestedOne() {
        List<GpuInventory> hosts = List.of(
                new GpuInventory("gpu-host-1", V100, 4, 0),
                new GpuInventory("gpu-host-2", "CUSTOM_GPU_L40S", 8, 0));

        assertEquals(new PlacementDecision.Hold("needs 1 × CUSTOM_GPU_A100 on one host; no compute host"
                        + " offers CUSTOM_GPU_A100 (classes offered: CUSTOM_GPU_L40S, CUSTOM_GPU_V100);"
                        + " waiting will not help: check the flavor's GPU alias"),
                packing.place(new GpuRequest(A100, 1), hosts));
    }

    @Test
    void saysWhenPlacementReportsNoGpusAtAll() {
        assertEquals(new PlacementDecision.Hold("needs 1 × CUSTOM_GPU_A100 on one host; no compute host"
                        + " offers CUSTOM_GPU_A100 (Placement reports no GPUs at all); waiting will not"
                        + " help: check the flavor's GPU alias"),
                new SpreadingGpuPlacement().place(new GpuRequest(A100, 1), List.of()));
    }

    @Test
    void aRequestMustAskForAtLeastOneGpuOfANamedClass() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> new GpuRequest(A100, 0));
        assertEquals("GPU count must be at least 1, was 0 for CUSTOM_GPU_A100", zero.getMessage());
        IllegalArgumentException blank = assertThrows(IllegalArgumentException.class,
                () -> new GpuRequest(" ", 1));
        assertEquals("GPU resource class must not be blank", blank.getMessage());
        assertThrows(NullPointerException.class, () -> new GpuRequest(null, 1));
    }
}
