package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient;
import cn.ac.ihep.heps.testsupport.demo.AgentApiClient.AgentDesktop;
import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.FrameWait;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.Instruction;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.RetryPolicy;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelClient;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelSession;
import cn.ac.ihep.heps.testsupport.openstack.DesktopIdentity;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import java.awt.Color;
import java.awt.Rectangle;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A GPU desktop left without a connection is shelved and comes back with its files. Its
 * experiment sets a one-minute shelve limit through the agent's API
 * ({@code desktop.idle.shelveAfter = PT1M}). The user types a note on the desktop (the bed's
 * painter saves it to {@code ~/notes.txt} on the VM's disk and shows it with a square in its
 * colour), and leaves. The agent shelves the desktop (SHELVED_IDLE; Nova SHELVED_OFFLOADED) and
 * Placement holds nothing for it any more, its GPU included. The next login wakes it: the same
 * server, and the note read back from the file after the wake.
 */
@ExtendWith(E2eEnvironment.Extension.class)
class IdleShelveIT {

    private static final String GPU = OpenStackTestBed.GPU_RESOURCE_CLASS;
    private static final Duration SHELVED = Duration.ofMinutes(5);

    @Test
    void aDesktopLeftUnconnectedIsShelvedGivesItsGpuBackAndWakesWithItsFiles(E2eEnvironment env, TestReporter report) {
        long testStart = System.nanoTime();
        OpenStackTestBed bed = OpenStackTestBed.find();
        try (OwnDesktop desktop = OwnDesktop.create(env, "g", OpenStackTestBed.ONE_GPU_FLAVOR, 1,
                new AgentApiClient.IdleLimits(null, "PT1M"))) {
            String serverId = desktop.user.serverId();
            String note = "files of e2e-" + env.run;
            Color noteColour = DesktopIdentity.notesColourOf(serverId, note);

            // Connected at once (a desktop nobody connected to is idle from its start): the note.
            AuthenticatedSession first = DesktopScreens.login(env, desktop.user.username());
            TunnelClient.Attempts opening = env.guacamole.tunnel().openUntilFrame(first.authToken(),
                    DesktopScreens.parameters(serverId), RetryPolicy.frontEnd(Duration.ofMinutes(1)), Duration.ofSeconds(30));
            try (TunnelSession tunnel = opening.session()) {
                assertInstanceOf(FrameWait.Frames.class, opening.outcome(), () -> "after " + opening.failed() + ": "
                        + opening.outcome());
                Map<String, Integer> held = await("Placement to hold the desktop's GPU", Duration.ofSeconds(90),
                        () -> Optional.of(bed.placementAllocations(serverId)).filter(a -> a.getOrDefault(GPU, 0) == 1));
                Measurements.record(report, "GPU desktop: Placement holds while running", held);
                type(tunnel, note);
                Color shown = awaitNotesColour(tunnel, noteColour, Duration.ofSeconds(20));
                DesktopScreens.save(tunnel.display().snapshot(), "idle-shelve-before");
                assertTrue(DesktopIdentity.near(noteColour, shown, DesktopScreens.TOLERANCE),
                        () -> "the desktop shows notes " + DesktopIdentity.hex(shown) + ", expected "
                                + DesktopIdentity.hex(noteColour) + " for \"" + note + "\"");
            }
            long left = System.nanoTime();

            AgentDesktop[] seen = new AgentDesktop[1];
            AgentDesktop shelved = await("the agent to shelve the desktop", SHELVED, () -> {
                seen[0] = desktop.agentView();
                return Optional.of(seen[0]).filter(d -> "SHELVED_IDLE".equals(d.state()));
            }, () -> String.valueOf(seen[0]));
            await("Nova to offload the shelved server", Duration.ofMinutes(2), () -> env.cloud.findServer(serverId)
                    .map(CloudServer::state).filter(ServerState.SHELVED_OFFLOADED::equals));
            Map<String, Integer> afterShelve = await("Placement to release the desktop", Duration.ofSeconds(60),
                    () -> Optional.of(bed.placementAllocations(serverId)).filter(Map::isEmpty));
            Measurements.record(report, "GPU desktop: shelved after leaving (s)",
                    Duration.ofNanos(System.nanoTime() - left).toSeconds());
            Measurements.record(report, "GPU desktop: agent's reason", shelved.reason());
            assertEquals(Map.of(), afterShelve);

            // The next login wakes it: the same server, the note still there.
            long login = System.nanoTime();
            AuthenticatedSession second = DesktopScreens.login(env, desktop.user.username());
            assertEquals(List.of(serverId), List.copyOf(env.guacamole.web()
                    .connections(second.authToken(), DesktopScreens.RESOLVER).orThrow().keySet()));
            TunnelClient.Attempts attempts = env.guacamole.tunnel().openUntilFrame(second.authToken(),
                    DesktopScreens.parameters(serverId), RetryPolicy.frontEnd(Duration.ofMinutes(6)), Duration.ofSeconds(40));
            try (TunnelSession tunnel = attempts.session()) {
                assertInstanceOf(FrameWait.Frames.class, attempts.outcome(), () -> "after " + attempts.failed() + ": "
                        + attempts.outcome());
                Measurements.record(report, "GPU desktop: login to first frame after the shelve (s)",
                        Duration.ofNanos(System.nanoTime() - login).toSeconds());
                assertEquals(List.of(), DesktopScreens.awaitCorners(tunnel, desktop.user.identityColour(),
                        Duration.ofSeconds(20)));
                Color shown = awaitNotesColour(tunnel, noteColour, Duration.ofSeconds(20));
                DesktopScreens.save(tunnel.display().snapshot(), "idle-shelve-after-wake");
                assertTrue(DesktopIdentity.near(noteColour, shown, DesktopScreens.TOLERANCE),
                        () -> "after the wake the desktop shows notes " + DesktopIdentity.hex(shown) + ", expected "
                                + DesktopIdentity.hex(noteColour) + ": ~/notes.txt did not survive the shelve");
            }
            assertEquals(serverId, desktop.agentView().serverId());
            assertEquals(ServerState.ACTIVE, env.cloud.findServer(serverId).map(CloudServer::state).orElse(null));
            Map<String, Integer> afterWake = await("Placement to hold the GPU again", Duration.ofSeconds(90),
                    () -> Optional.of(bed.placementAllocations(serverId)).filter(a -> a.getOrDefault(GPU, 0) == 1));
            Measurements.record(report, "GPU desktop: Placement holds after the wake", afterWake);
        } finally {
            Measurements.record(report, "IdleShelveIT duration (s)", Duration.ofNanos(System.nanoTime() - testStart).toSeconds());
        }
    }

    /** Types printable ASCII as a browser's keyboard does: each key pressed and released (X keysym = code point). */
    private static void type(TunnelSession tunnel, String text) {
        Rectangle square = DesktopIdentity.notesSquare(1920, 1080);
        tunnel.send(Instruction.of("mouse", square.x + 200, square.y + square.height / 2, 0));
        for (char c : text.toCharArray()) {
            tunnel.send(Instruction.of("key", (int) c, 1));
            tunnel.send(Instruction.of("key", (int) c, 0));
        }
    }

    /** The notes square's colour once it is the expected one, or the last one seen when the time is up. */
    private static Color awaitNotesColour(TunnelSession tunnel, Color expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Color shown = DesktopIdentity.notesColourOnScreen(tunnel.display().snapshot());
        while (!DesktopIdentity.near(expected, shown, DesktopScreens.TOLERANCE) && System.nanoTime() < deadline) {
            tunnel.awaitFrames(tunnel.frames().count() + 1, Duration.ofMillis(500));
            shown = DesktopIdentity.notesColourOnScreen(tunnel.display().snapshot());
        }
        return shown;
    }

    /** Polls every 3 s until the value is there; fails, naming what was awaited, when the time is up. */
    private static <T> T await(String what, Duration timeout, Supplier<Optional<T>> probe) {
        return await(what, timeout, probe, () -> "");
    }

    /** The same; the failure also says what {@code lastSeen} describes. */
    private static <T> T await(String what, Duration timeout, Supplier<Optional<T>> probe, Supplier<String> lastSeen) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (System.nanoTime() > deadline) {
                String seen = lastSeen.get();
                throw new AssertionError("waited " + timeout + " for " + what + (seen.isEmpty() ? "" : "; last seen: " + seen));
            }
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }
}
