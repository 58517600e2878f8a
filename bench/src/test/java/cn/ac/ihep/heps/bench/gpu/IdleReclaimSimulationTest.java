package cn.ac.ihep.heps.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.idle.IdlePolicy;
import cn.ac.ihep.heps.agent.idle.IdleSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class IdleReclaimSimulationTest {

    private static final GpuCluster ONE_HOST = GpuCluster.of(GpuPlacementSimulation.RESOURCE_CLASS, 1, 0);
    private static final Function<DesktopRequest, IdlePolicy> DEFAULTS =
            d -> IdleSettings.defaults().policyFor("b", d.gpus());
    private static final Function<DesktopRequest, IdlePolicy> DISCONNECT_AFTER_AN_HOUR =
            d -> IdleSettings.parse("PT1H", "PT2H", "off").policyFor("b", d.gpus());

    /** A connection from {@code start} to {@code end} minutes, sending input from start to {@code inputEnd}. */
    private static UsageTrace.Connection working(long start, long inputEnd, long end) {
        return new UsageTrace.Connection(start, end, new long[] {start}, new long[] {inputEnd}, 0, 0);
    }

    private static IdleResult run(List<DesktopRequest> desktops, Map<Integer, List<UsageTrace.Connection>> usage,
            Function<DesktopRequest, IdlePolicy> policy) {
        return IdleReclaimRun.run(ONE_HOST, desktops, d -> usage.get(d.id()), policy);
    }

    @Test
    void anUnusedDesktopGivesItsGpuBackAndWakesAtTheNextLogin() {
        // Two days; the user works 09:00-12:00 on both.
        List<DesktopRequest> desktop = List.of(new DesktopRequest(0, 0, 48, 1));
        Map<Integer, List<UsageTrace.Connection>> usage = Map.of(0, List.of(
                working(540, 720, 720), working(1980, 2160, 2160)));

        IdleResult none = run(desktop, usage, null);
        IdleResult reclaimed = run(desktop, usage, DEFAULTS);

        assertEquals(48 * 60, none.gpuMinutesHeld());
        assertEquals(0, none.shelves());
        // Shelved at 02:01 (idle since it came up), woken at 09:00, shelved 14:01, woken at 09:00 next day...
        assertEquals(3, reclaimed.shelves());
        assertEquals(2, reclaimed.wakes());
        assertEquals(0, reclaimed.sessionsRefused());
        assertEquals(2 * IdleReclaimRun.WAKE_MINUTES, reclaimed.wakeWaitMinutes());
        // Held: 121 min at first, then 2 x (3 min waking + 3 h work + 2 h 1 min).
        assertEquals(121 + 2 * (3 + 180 - 3 + 121), reclaimed.gpuMinutesHeld());
        assertEquals(0, reclaimed.shelvedWhileConnected());
    }

    @Test
    void aLongJobWatchedWithoutInputIsNeverShelvedUnlessTheSessionIsCutFirst() {
        // Work 09:00-10:00, then a 20-hour job with the tab left open and no input.
        List<DesktopRequest> desktop = List.of(new DesktopRequest(0, 0, 72, 2));
        UsageTrace.Connection job = new UsageTrace.Connection(540, 600 + 1200, new long[] {540}, new long[] {600},
                600, 600 + 1200);
        Map<Integer, List<UsageTrace.Connection>> usage = Map.of(0, List.of(job));

        IdleResult defaults = run(desktop, usage, DEFAULTS);
        assertEquals(1, defaults.jobs());
        assertEquals(0, defaults.jobsInterrupted());
        assertEquals(0, defaults.shelvedWhileConnected());

        // With a disconnect after an hour without input, the session closes and the job dies with the shelve.
        IdleResult disconnecting = run(desktop, usage, DISCONNECT_AFTER_AN_HOUR);
        assertEquals(1, disconnecting.forcedDisconnects());
        assertEquals(1, disconnecting.jobsInterrupted());
        assertEquals(0, disconnecting.shelvedWhileConnected());
    }

    @Test
    void aShelvedDesktopWhoseGpusWereTakenIsRefusedUntilTheyFree() {
        // A 4-GPU desktop, shelved after its morning; a second 4-GPU desktop takes the host at 12:00
        // until 20:00; the first user's attempts from 15:00 are refused until then.
        List<DesktopRequest> desktops = List.of(new DesktopRequest(0, 0, 24, 4), new DesktopRequest(1, 12, 20, 4));
        Map<Integer, List<UsageTrace.Connection>> usage = Map.of(
                0, List.of(working(0, 60, 60), working(900, 1300, 1300)),
                1, List.of(working(720, 1200, 1200)));

        IdleResult none = run(desktops, usage, null);
        assertEquals(1, none.desktopsNeverPlaced());
        assertEquals(1, none.sessionsLost());

        IdleResult reclaimed = run(desktops, usage, DEFAULTS);
        assertEquals(0, reclaimed.desktopsNeverPlaced());
        assertEquals(1, reclaimed.sessionsRefused());
        assertEquals(0, reclaimed.sessionsLost());
        // Refused at 15:00, retried every 10 minutes, woken at 20:00 when the second window closes.
        assertEquals(1200 - 900 + IdleReclaimRun.WAKE_MINUTES, reclaimed.wakeWaitMinutes());
    }

    @Test
    void usageIsReproducibleAndStaysInsideTheWindow() {
        for (DesktopRequest desktop : BeamtimeTrace.generate(3, 0.8, 56, 60)) {
            List<UsageTrace.Connection> connections = UsageTrace.generate(desktop, 3);
            assertEquals(connections.toString(), UsageTrace.generate(desktop, 3).toString());
            long previousEnd = desktop.start() * 60;
            for (UsageTrace.Connection c : connections) {
                assertTrue(c.start() >= previousEnd && c.end() > c.start() && c.end() <= desktop.end() * 60, c.toString());
                for (int i = 0; i < c.inputStart().length; i++) {
                    assertTrue(c.inputStart()[i] >= c.start() && c.inputEnd()[i] <= c.end());
                    assertTrue(i == 0 || c.inputStart()[i] >= c.inputEnd()[i - 1]);
                }
                previousEnd = c.end();
            }
        }
    }

    @Test
    void theDefaultsCutIdleGpuHoursByMoreThanSixtyPercentAndNeverShelveAConnectedDesktop() {
        GpuCluster cluster = GpuCluster.of(GpuPlacementSimulation.RESOURCE_CLASS, 6, 4);
        IdleReclaimSimulation.Row row = IdleReclaimSimulation.simulate(cluster, 0.8, 1, 60);
        IdleResult none = row.none();
        IdleResult defaults = row.results().get("defaults");

        assertTrue(defaults.gpuMinutesIdle() < 0.4 * none.gpuMinutesIdle(),
                defaults.gpuMinutesIdle() + " of " + none.gpuMinutesIdle());
        row.results().values().forEach(r -> assertEquals(0, r.shelvedWhileConnected()));
        assertEquals(0, defaults.jobsInterrupted());
        assertTrue(defaults.sessionsRefused() <= none.sessionsRefused());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        IdleReclaimSimulation.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), cluster,
                GpuPlacementSimulation.Settings.parse(IdleReclaimSimulation.withDefaults(new String[] {"--days", "60"})),
                List.of(row));
        String table = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("80%   none"), table);
        assertTrue(table.contains("80%   defaults"), table);
    }
}
