package cn.ac.ihep.heps.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cn.ac.ihep.heps.agent.gpu.GpuPlacementStrategy;
import cn.ac.ihep.heps.agent.gpu.PackingGpuPlacement;
import cn.ac.ihep.heps.agent.gpu.PlacementDecision;
import cn.ac.ihep.heps.agent.gpu.SpreadingGpuPlacement;
import java.util.List;
import org.junit.jupiter.api.Test;

class OnlineSimulationTest {

    private static final String CLASS = "CUSTOM_GPU_A100";

    /** Two single-GPU desktops, then a 4-GPU desktop, on two 4-GPU hosts. */
    private static final List<DesktopRequest> TWO_SMALL_THEN_ONE_BIG = List.of(
            new DesktopRequest(0, 0, 10, 1),
            new DesktopRequest(1, 1, 10, 1),
            new DesktopRequest(2, 2, 10, 4));

    private final GpuCluster twoFourGpuHosts = GpuCluster.of(CLASS, 2, 0);

    @Test
    void spreadingBreaksBothHostsAndTurnsTheBigDesktopAway() {
        SimulationResult result = OnlineSimulation.run(twoFourGpuHosts, TWO_SMALL_THEN_ONE_BIG,
                new SpreadingGpuPlacement());

        assertEquals(new SimulationResult(2, 0, 1, 1, 51, 19, 0.0, 4.5, 0.5), result);
    }

    @Test
    void packingKeepsAHostWholeForTheBigDesktop() {
        SimulationResult result = OnlineSimulation.run(twoFourGpuHosts, TWO_SMALL_THEN_ONE_BIG,
                new PackingGpuPlacement());

        assertEquals(new SimulationResult(2, 0, 1, 0, 51, 51, 0.0, 2.5, 1.0), result);
    }

    @Test
    void aDesktopEndingWhenAnotherStartsFreesItsGpusFirst() {
        GpuCluster oneHost = GpuCluster.of(CLASS, 1, 0);
        List<DesktopRequest> backToBack = List.of(
                new DesktopRequest(0, 0, 5, 4),
                new DesktopRequest(1, 5, 9, 4));

        SimulationResult result = OnlineSimulation.run(oneHost, backToBack, new PackingGpuPlacement());

        assertEquals(0, result.rejected());
    }

    @Test
    void aStrategyThatOverfillsAHostIsCaught() {
        GpuPlacementStrategy alwaysFirstHost = (request, inventory) -> new PlacementDecision.Place("gpu4-01");
        List<DesktopRequest> tooMuch = List.of(
                new DesktopRequest(0, 0, 5, 4),
                new DesktopRequest(1, 1, 5, 1));

        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> OnlineSimulation.run(twoFourGpuHosts, tooMuch, alwaysFirstHost));
        assertEquals(true, error.getMessage().contains("placed desktop 1 on a full host"));
    }
}
