package cn.ac.ihep.heps.agent.reconcile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.desktop.Desktop;
import cn.ac.ihep.heps.agent.desktop.DesktopState;
import cn.ac.ihep.heps.agent.experiment.DesktopSpec;
import cn.ac.ihep.heps.agent.experiment.Experiment;
import cn.ac.ihep.heps.agent.gpu.GpuCalendar;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The GPU calendar counts a desktop shelved for want of use as holding nothing. */
class IdleShelvedGpusTest {

    private static final Instant NOW = Instant.parse("2026-12-02T20:00:00Z");
    private static final String CLASS = "CUSTOM_GPU_A100";

    private static Experiment experiment(long id, String proposal, Instant start, String member) {
        return new Experiment(id, proposal, "B1", proposal, start, start.plus(Duration.ofDays(2)),
                new DesktopSpec("linux", 1, "heps.desktop.gpu1", null), List.of(member), NOW);
    }

    private static String outlookOfTheNewcomer(DesktopState stateOfTheSleeper) {
        Experiment sleeper = experiment(1, "P-1", NOW.minus(Duration.ofDays(1)), "alice");
        Experiment newcomer = experiment(2, "P-2", NOW.plus(Duration.ofHours(1)), "bob");
        Desktop alice = new Desktop(10, 1, "P-1", "B1", "alice", "b1-p-1-alice", "server-alice", stateOfTheSleeper,
                "SHELVED_OFFLOADED", null, "gpu-host-1", "10.0.0.5", "image", "flavor", 1, NOW, null);
        // Placement: the one GPU of the host is free once the shelved server is offloaded.
        List<GpuInventory> inventory = List.of(new GpuInventory("gpu-host-1", CLASS, 1, 0));
        GpuCalendar calendar = GpuBookings.plan(CLASS, inventory, List.of(sleeper, newcomer), List.of(alice),
                Duration.ofMinutes(30), NOW);
        return calendar.outlook("P-2/bob");
    }

    @Test
    void anIdleShelvedDesktopLeavesItsGpuToTheNextDesktop() {
        String outlook = outlookOfTheNewcomer(DesktopState.SHELVED_IDLE);
        assertTrue(outlook.contains("planned on gpu-host-1"), outlook);
    }

    @Test
    void aRunningOneKeepsIt() {
        String outlook = outlookOfTheNewcomer(DesktopState.RUNNING);
        assertTrue(outlook.startsWith(GpuCalendar.AT_RISK), outlook);
    }
}
