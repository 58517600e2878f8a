package cn.ac.ihep.heps.agent.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class GpuCalendarTest {

    private static final String A100 = "CUSTOM_GPU_A100";
    private static final Instant NOW = Instant.parse("2026-12-01T08:00:00Z");

    private static GpuCalendar.Upcoming upcoming(String key, int startHours, int endHours, int gpus) {
        return new GpuCalendar.Upcoming(key, NOW.plus(Duration.ofHours(startHours)),
                NOW.plus(Duration.ofHours(endHours)), gpus);
    }

    @Test
    void aDesktopDueNowGoesWhereThePlanPutsIt() {
        List<GpuInventory> inventory = List.of(new GpuInventory("c1", A100, 4, 0), new GpuInventory("c2", A100, 4, 3));
        GpuCalendar calendar = GpuCalendar.plan(A100, inventory,
                List.of(new GpuCalendar.Booked("c2", 3, NOW.plus(Duration.ofHours(24)))),
                List.of(upcoming("e/now", 0, 8, 1)), NOW);
        assertEquals(new PlacementDecision.Place("c2"), calendar.decide("e/now", inventory));
    }

    @Test
    void gpusFreeNowButBookedLaterHoldTheDesktopWithAReason() {
        List<GpuInventory> inventory = List.of(new GpuInventory("c1", A100, 4, 0));
        GpuCalendar calendar = GpuCalendar.plan(A100, inventory, List.of(), List.of(
                upcoming("big/m", 0, 96, 4),
                upcoming("s/a", 24, 48, 1), upcoming("s/b", 24, 48, 1), upcoming("s/c", 30, 60, 1)), NOW);
        PlacementDecision.Hold hold = assertInstanceOf(PlacementDecision.Hold.class,
                calendar.decide("big/m", inventory));
        assertTrue(hold.reason().startsWith("needs 4 × CUSTOM_GPU_A100 on one host until 2026-12-05T08:00:00Z"),
                hold.reason());
        assertTrue(hold.reason().contains("booked for desktops due before then"), hold.reason());
        assertEquals("1 × CUSTOM_GPU_A100 planned on c1", calendar.outlook("s/a"));
        assertEquals(0, calendar.atRisk(), "a desktop due now is held, not at risk");
    }

    @Test
    void aFutureDesktopThatDoesNotFitIsShownAtRisk() {
        List<GpuInventory> inventory = List.of(new GpuInventory("c1", A100, 2, 2));
        GpuCalendar calendar = GpuCalendar.plan(A100, inventory,
                List.of(new GpuCalendar.Booked("c1", 2, NOW.plus(Duration.ofHours(48)))),
                List.of(upcoming("later/m", 24, 72, 1), upcoming("after/m", 48, 72, 2)), NOW);
        String outlook = calendar.outlook("later/m");
        assertTrue(outlook.startsWith("at risk: 1 × CUSTOM_GPU_A100 on one host do not fit the GPU calendar from "
                + "2026-12-02T08:00:00Z to 2026-12-04T08:00:00Z"), outlook);
        assertTrue(outlook.contains("the most free on one host throughout is 0"), outlook);
        assertEquals("2 × CUSTOM_GPU_A100 planned on c1", calendar.outlook("after/m"));
        assertEquals(1, calendar.atRisk());
    }

    @Test
    void usagePlacementReportsBeyondTheAgentsDesktopsStaysInUse() {
        // Placement says 3 of 4 are used, the agent knows of 1: the other 2 belong to someone else.
        List<GpuInventory> inventory = List.of(new GpuInventory("c1", A100, 4, 3));
        GpuCalendar calendar = GpuCalendar.plan(A100, inventory,
                List.of(new GpuCalendar.Booked("c1", 1, NOW.plus(Duration.ofHours(8)))),
                List.of(upcoming("next/m", 10, 20, 2), upcoming("next/n", 10, 20, 3)), NOW);
        assertEquals("2 × CUSTOM_GPU_A100 planned on c1", calendar.outlook("next/m"));
        assertTrue(calendar.outlook("next/n").startsWith("at risk"), calendar.outlook("next/n"));
    }

    @Test
    void whenNothingFitsNowTheReasonSaysWhetherWaitingHelps() {
        List<GpuInventory> inventory = List.of(new GpuInventory("c1", A100, 2, 0));
        GpuCalendar calendar = GpuCalendar.plan(A100, inventory, List.of(), List.of(upcoming("huge/m", 0, 8, 4)), NOW);
        PlacementDecision.Hold hold = assertInstanceOf(PlacementDecision.Hold.class,
                calendar.decide("huge/m", inventory));
        assertTrue(hold.reason().contains("waiting will not help"), hold.reason());

        GpuCalendar other = GpuCalendar.plan("CUSTOM_GPU_V100", inventory, List.of(),
                List.of(upcoming("v/m", 0, 8, 1)), NOW);
        PlacementDecision.Hold noClass = assertInstanceOf(PlacementDecision.Hold.class,
                other.decide("v/m", inventory));
        assertTrue(noClass.reason().contains("no compute host offers CUSTOM_GPU_V100"), noClass.reason());
    }

    @Test
    void aPlannedHostTakenByAnotherVmFallsBackToWhatIsFreeNow() {
        List<GpuInventory> planned = List.of(new GpuInventory("c1", A100, 4, 3), new GpuInventory("c2", A100, 4, 0));
        GpuCalendar calendar = GpuCalendar.plan(A100, planned,
                List.of(new GpuCalendar.Booked("c1", 3, NOW.plus(Duration.ofHours(24)))),
                List.of(upcoming("e/m", 0, 8, 1)), NOW);
        // Someone else's VM took the last GPU on c1 since the plan was made.
        List<GpuInventory> now = List.of(new GpuInventory("c1", A100, 4, 4), new GpuInventory("c2", A100, 4, 0));
        assertEquals(new PlacementDecision.Place("c2"), calendar.decide("e/m", now));
    }

    @Test
    void aDesktopOutsideTheCalendarIsAnError() {
        GpuCalendar calendar = GpuCalendar.plan(A100, List.of(), List.of(), List.of(), NOW);
        assertThrows(IllegalArgumentException.class, () -> calendar.decide("nobody", List.of()));
        assertThrows(IllegalArgumentException.class, () -> calendar.outlook("nobody"));
    }
}
