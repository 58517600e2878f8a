package cn.ac.ihep.heps.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cn.ac.ihep.heps.agent.gpu.GpuCalendarPlanner;
import cn.ac.ihep.heps.agent.gpu.PackingGpuPlacement;
import java.util.List;
import org.junit.jupiter.api.Test;

class CalendarSimulationTest {

    private static final GpuCluster ONE_HOST = GpuCluster.of("CUSTOM_GPU_A100", 1, 0);

    /** A 4-GPU desktop for 100 h, then three 1-GPU desktops inside its window. */
    private static List<DesktopRequest> trace(long smallAnnounced) {
        return List.of(
                new DesktopRequest(0, 0, 100, 4, 0),
                new DesktopRequest(1, 50, 60, 1, smallAnnounced),
                new DesktopRequest(2, 50, 60, 1, smallAnnounced),
                new DesktopRequest(3, 55, 70, 1, smallAnnounced));
    }

    @Test
    void knowingTheScheduleServesMoreDesktops() {
        SimulationResult known = CalendarSimulation.run(ONE_HOST, trace(0), new GpuCalendarPlanner());
        assertEquals(3, known.accepted());
        assertEquals(1, known.multiRejected());
    }

    @Test
    void withoutNoticeTheCalendarCanOnlyDoWhatPackingDoes() {
        SimulationResult blind = CalendarSimulation.run(ONE_HOST, trace(50), new GpuCalendarPlanner());
        SimulationResult packing = OnlineSimulation.run(ONE_HOST, trace(50), new PackingGpuPlacement());
        assertEquals(1, blind.accepted());
        assertEquals(packing.accepted(), blind.accepted());
    }

    @Test
    void desktopsAnnouncedTogetherAreDecidedTogether() {
        // All four due at once on one 4-GPU host: four 1-GPU desktops beat one 4-GPU desktop.
        List<DesktopRequest> trace = List.of(
                new DesktopRequest(0, 8, 20, 4, 0),
                new DesktopRequest(1, 8, 20, 1, 1), new DesktopRequest(2, 8, 20, 1, 2),
                new DesktopRequest(3, 8, 20, 1, 3), new DesktopRequest(4, 8, 20, 1, 4));
        assertEquals(4, CalendarSimulation.run(ONE_HOST, trace, new GpuCalendarPlanner()).accepted());
        assertEquals(1, OnlineSimulation.run(ONE_HOST, trace, new PackingGpuPlacement()).accepted());
    }
}
