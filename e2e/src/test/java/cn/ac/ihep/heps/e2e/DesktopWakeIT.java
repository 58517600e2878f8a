package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.FrameWait;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.RetryPolicy;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelClient;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelStatus;
import cn.ac.ihep.heps.testsupport.openstack.DesktopIdentity;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A stopped desktop (CONTRACTS §3): connecting starts it, the user sees "upstream unavailable"
 * until it answers, and retrying as the front end does (every 15 s) ends in a frame of that desktop.
 */
@ExtendWith(E2eEnvironment.Extension.class)
class DesktopWakeIT {

    @Test
    void connectingToAStoppedDesktopStartsItAndTheRetriesEndInAFrame(E2eEnvironment env, TestReporter report) {
        DesktopUser user = env.second;
        env.cloud.stopServer(user.serverId());
        env.awaitServerState(user.serverId(), ServerState.SHUTOFF, Duration.ofMinutes(3));

        long start = System.nanoTime();
        AuthenticatedSession session = DesktopScreens.login(env, user.username());
        TunnelClient.Attempts attempts = env.guacamole.tunnel().openUntilFrame(session.authToken(),
                DesktopScreens.parameters(user.serverId()), RetryPolicy.frontEnd(Duration.ofMinutes(6)), Duration.ofSeconds(40));
        try (TunnelSession tunnel = attempts.session()) {
            FrameWait.Frames frames = assertInstanceOf(FrameWait.Frames.class, attempts.outcome(),
                    () -> "after " + attempts.failed() + ": " + attempts.outcome());
            Measurements.record(report, "stopped desktop: login to first frame (s)",
                    Long.toString(Duration.ofNanos(frames.lastFrameNanos() - start).toSeconds()));
            Measurements.record(report, "attempts that ended before a frame", attempts.failed().toString());
            assertTrue(attempts.failed().stream().allMatch(RetryPolicy::retries), attempts.failed()::toString);
            assertTrue(attempts.failed().stream().map(TunnelStatus::codeName).anyMatch("UPSTREAM_UNAVAILABLE"::equals),
                    () -> "the stopped desktop should first answer UPSTREAM_UNAVAILABLE: " + attempts.failed());
            assertEquals(List.of(), DesktopScreens.awaitCorners(tunnel, user.identityColour(), Duration.ofSeconds(10)),
                    () -> "corners should be " + DesktopIdentity.hex(user.identityColour()));
        }
        assertEquals(ServerState.ACTIVE, env.cloud.findServer(user.serverId()).map(CloudServer::state).orElse(null));
    }
}
