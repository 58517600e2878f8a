package cn.ac.ihep.heps.agent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cn.ac.ihep.heps.agent.gpu.GpuInventoryReport.ClassLine;
import cn.ac.ihep.heps.agent.gpu.GpuInventoryReport.HostLine;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.util.List;
import org.junit.jupiter.api.Test;

class GpuInventoryReportTest {

    private static final String A100 = "CUSTOM_GPU_A100";
    private static final String V100 = "CUSTOM_GPU_V100";

    private static final List<GpuInventory> HOSTS = List.of(
            new GpuInventory("gpu-c", A100, 8, 5),
            new GpuInventory("gpu-a", A100, 4, 3),
            new GpuInventory("gpu-b", A100, 4, 0),
            new GpuInventory("gpu-a", V100, 2, 2),
            new GpuInventory("gpu-d", A100, 8, 8));

    @Test
    void withNothingPendingSingleFreeGpusAreStranded() {
        GpuInventoryReport report = GpuInventoryReport.of(HOSTS);

        assertEquals(List.of(
                new HostLine("gpu-a", A100, 4, 3, 1, 1),
                new HostLine("gpu-b", A100, 4, 0, 4, 0),
                new HostLine("gpu-c", A100, 8, 5, 3, 0),
                new HostLine("gpu-d", A100, 8, 8, 0, 0),
                new HostLine("gpu-a", V100, 2, 2, 0, 0)), report.hosts());
        assertEquals(List.of(
                new ClassLine(A100, 4, 24, 16, 8, 1, 2, 1, 4),
                new ClassLine(V100, 1, 2, 2, 0, 0, 2, 0, 0)), report.classes());
    }

    @Test
    void aPendingFourGpuDesktopStrandsEveryHostWithFewerThanFourFree() {
        GpuInventoryReport report = GpuInventoryReport.of(HOSTS,
                List.of(new GpuRequest(A100, 4), new GpuRequest(A100, 1), new GpuRequest(V100, 2)));

        assertEquals(new ClassLine(A100, 4, 24, 16, 8, 4, 4, 1, 4), report.classes().get(0));
        assertEquals(new HostLine("gpu-c", A100, 8, 5, 3, 3), report.hosts().get(2));
    }

    @Test
    void theSmallestPendingMultiGpuDesktopSetsTheThreshold() {
        GpuInventoryReport report = GpuInventoryReport.of(HOSTS,
                List.of(new GpuRequest(A100, 8), new GpuRequest(A100, 2)));

        assertEquals(2, report.classes().get(0).strandedBelow());
        assertEquals(1, report.classes().get(0).stranded());
    }

    @Test
    void pendingSingleGpuDesktopsAndOtherClassesLeaveTheThresholdAlone() {
        GpuInventoryReport report = GpuInventoryReport.of(HOSTS,
                List.of(new GpuRequest(A100, 1), new GpuRequest(V100, 4)));

        assertEquals(2, report.classes().get(0).strandedBelow());
        assertEquals(4, report.classes().get(1).strandedBelow());
    }

    @Test
    void providersOfOneHostAreAddedUpAndOverusedHostsHaveNothingFree() {
        GpuInventoryReport report = GpuInventoryReport.of(List.of(
                new GpuInventory("gpu-a", A100, 1, 1),
                new GpuInventory("gpu-a", A100, 1, 0),
                new GpuInventory("gpu-b", A100, 2, 3)));

        assertEquals(List.of(
                new HostLine("gpu-a", A100, 2, 1, 1, 1),
                new HostLine("gpu-b", A100, 2, 3, 0, 0)), report.hosts());
        assertEquals(new ClassLine(A100, 2, 4, 4, 1, 1, 2, 0, 1), report.classes().get(0));
    }

    @Test
    void anEmptyInventoryGivesAnEmptyReport() {
        GpuInventoryReport report = GpuInventoryReport.of(List.of());

        assertEquals(List.of(), report.hosts());
        assertEquals(List.of(), report.classes());
    }

    @Test
    void strandedCountsOnlySomeButTooFewFreeGpus() {
        assertEquals(0, GpuInventoryReport.strandedOn(0, 4));
        assertEquals(3, GpuInventoryReport.strandedOn(3, 4));
        assertEquals(0, GpuInventoryReport.strandedOn(4, 4));
    }

    @Test
    void refusesNegativeCountsWhateverTheClass() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> GpuInventoryReport.of(List.of(new GpuInventory("gpu-x", V100, -2, 0))));
        assertEquals("GPU inventory of host gpu-x has a negative count: total -2, used 0", error.getMessage());
    }

    @Test
    void refusesMissingInput() {
        assertThrows(NullPointerException.class, () -> GpuInventoryReport.of(null));
        assertThrows(NullPointerException.class, () -> GpuInventoryReport.of(HOSTS, null));
    }
}
