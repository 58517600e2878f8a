package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.FrameWait;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelSession;
import cn.ac.ihep.heps.testsupport.openstack.DesktopIdentity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;

/** A Linux desktop through the WebSocket tunnel, guacd and VNC: the first frame shows that desktop. */
@ExtendWith(E2eEnvironment.Extension.class)
class VncDesktopIT {

    @Test
    void theFirstFrameArrivesAndShowsTheDesktopsIdentityColour(E2eEnvironment env, TestReporter report) {
        DesktopUser user = env.linux;
        long loginStart = System.nanoTime();
        AuthenticatedSession session = DesktopScreens.login(env, user.username());
        try (TunnelSession tunnel = env.guacamole.tunnel().open(session.authToken(), DesktopScreens.parameters(user.serverId()))) {
            FrameWait first = tunnel.awaitFirstFrame(Duration.ofSeconds(30));
            FrameWait.Frames frames = assertInstanceOf(FrameWait.Frames.class, first, () -> "first frame: " + first);
            long firstFrame = tunnel.frames().firstFrameNanos().orElseThrow();
            Measurements.record(report, "VNC: login to first frame (ms)", Long.toString(DesktopScreens.millis(loginStart, firstFrame)));
            Measurements.record(report, "VNC: tunnel open to first frame (ms)",
                    Long.toString(DesktopScreens.millis(tunnel.openedAtNanos(), firstFrame)));

            List<String> mismatches = DesktopScreens.awaitCorners(tunnel, user.identityColour(), Duration.ofSeconds(10));
            Path shot = DesktopScreens.save(tunnel.display().snapshot(), "vnc-" + user.serverId());
            assertEquals(List.of(), mismatches, () -> "corners of " + shot + " should be " + DesktopIdentity.hex(user.identityColour()));
            assertEquals(1920, tunnel.display().width());
            assertEquals(1080, tunnel.display().height());
            Measurements.record(report, "VNC: frames", Integer.toString(frames.count()));
        }
    }
}
