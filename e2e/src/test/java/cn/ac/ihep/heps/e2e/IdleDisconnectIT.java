package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.testsupport.demo.AgentApiClient;
import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.FrameWait;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelStatus;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A session nobody types or moves the mouse in, on a desktop whose experiment sets a one-minute
 * disconnect limit through the agent's API ({@code desktop.idle.disconnectAfter = PT1M}): the
 * user is warned first (the resolver's {@code msg} 0x4801, 20 s ahead: a third of the limit),
 * then the session ends with SESSION_TIMEOUT (0x020A) at the limit. The client here sends only
 * what a browser sends without a user: sync answers, keep-alives and pings, none of them input.
 */
@ExtendWith(E2eEnvironment.Extension.class)
class IdleDisconnectIT {

    private static final int IDLE_WARNING = 0x4801;
    private static final int SESSION_TIMEOUT = 0x020A;
    private static final Duration LIMIT = Duration.ofMinutes(1);

    @Test
    void aSessionWithoutInputIsWarnedThenClosedAtTheExperimentsLimit(E2eEnvironment env, TestReporter report) {
        long testStart = System.nanoTime();
        try (OwnDesktop desktop = OwnDesktop.create(env, "i", OpenStackTestBed.CPU_FLAVOR, 0,
                new AgentApiClient.IdleLimits("PT1M", null))) {
            AuthenticatedSession session = DesktopScreens.login(env, desktop.user.username());
            try (TunnelSession tunnel = env.guacamole.tunnel().open(session.authToken(),
                    DesktopScreens.parameters(desktop.user.serverId()))) {
                assertInstanceOf(FrameWait.Frames.class, tunnel.awaitFirstFrame(Duration.ofSeconds(30)));
                long opened = tunnel.openedAtNanos();

                // Bounded: the limit, plus the resolver's 5 s check and guacd's 5 s keep-alive, twice over.
                Optional<TunnelSession.Message> warning = tunnel.awaitMessage(IDLE_WARNING, LIMIT.plusSeconds(30));
                assertTrue(warning.isPresent(), () -> "no idle warning within " + LIMIT.plusSeconds(30) + "; the session "
                        + tunnel.endStatus().map(TunnelStatus::toString).orElse("is still open"));
                Optional<TunnelStatus> end = tunnel.awaitEnd(Duration.ofSeconds(60));
                assertTrue(end.isPresent(), "the session was not closed within 60 s of the warning");
                assertEquals(SESSION_TIMEOUT, end.get().code(), end.get()::toString);
                assertEquals(TunnelStatus.Origin.ERROR_INSTRUCTION, end.get().origin());

                long warnedAfter = Duration.ofNanos(warning.get().receivedNanos() - opened).toSeconds();
                long closedAfter = Duration.ofNanos(tunnel.endedAtNanos().getAsLong() - opened).toSeconds();
                int secondsLeft = Integer.parseInt(warning.get().args().get(0));
                Measurements.record(report, "idle session: warned after (s)", warnedAfter);
                Measurements.record(report, "idle session: seconds left in the warning", secondsLeft);
                Measurements.record(report, "idle session: closed after (s)", closedAfter);
                assertTrue(secondsLeft > 0 && secondsLeft <= 20, () -> "the warning gives " + secondsLeft + " s");
                assertTrue(warnedAfter < closedAfter, "the warning comes before the disconnect");
                assertTrue(closedAfter >= LIMIT.toSeconds() - 2 && closedAfter <= LIMIT.toSeconds() + 20,
                        () -> "closed after " + closedAfter + " s for a limit of " + LIMIT.toSeconds() + " s");
                // The warning names the disconnect time the session then ended at.
                long announced = Long.parseLong(warning.get().args().get(1));
                long endedAtMillis = System.currentTimeMillis()
                        - Duration.ofNanos(System.nanoTime() - tunnel.endedAtNanos().getAsLong()).toMillis();
                assertTrue(Math.abs(endedAtMillis - announced) <= 15_000,
                        () -> "announced " + announced + ", ended at " + endedAtMillis);
            }
        } finally {
            Measurements.record(report, "IdleDisconnectIT duration (s)",
                    Duration.ofNanos(System.nanoTime() - testStart).toSeconds());
        }
    }
}
