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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Windows desktop through guacd's RDP for someone who may open it but does not own it (a named
 * user of it): no sign-in is given to them, so they get xrdp's login screen, painted in the
 * desktop's identity colour. The owner's signed-in session is {@link RdpSingleSignOnIT}.
 */
@ExtendWith(E2eEnvironment.Extension.class)
class RdpDesktopIT {

    @Test
    void aColleagueGetsTheLoginScreenInTheDesktopsIdentityColour(E2eEnvironment env, TestReporter report) {
        Assumptions.assumeTrue(env.windows.isPresent(), "no beamline of the demo agent " + env.demo.beamlines()
                + " has a current Windows image (os_type=windows), so there is no RDP desktop to open");
        DesktopUser owner = env.windows.get();
        long loginStart = System.nanoTime();
        AuthenticatedSession session = DesktopScreens.login(env, env.colleague);
        try (TunnelSession tunnel = env.guacamole.tunnel().open(session.authToken(), DesktopScreens.parameters(owner.serverId()))) {
            FrameWait first = tunnel.awaitFirstFrame(Duration.ofSeconds(45));
            assertInstanceOf(FrameWait.Frames.class, first, () -> "first frame: " + first
                    + tunnel.required().map(r -> "; guacd asked for " + r).orElse(""));
            long firstFrame = tunnel.frames().firstFrameNanos().orElseThrow();
            Measurements.record(report, "RDP: login to first frame (ms)", Long.toString(DesktopScreens.millis(loginStart, firstFrame)));

            List<String> mismatches = DesktopScreens.awaitCorners(tunnel, owner.identityColour(), Duration.ofSeconds(20));
            Path shot = DesktopScreens.save(tunnel.display().snapshot(), "rdp-" + owner.serverId());
            assertEquals(List.of(), mismatches, () -> "corners of " + shot + " should be " + DesktopIdentity.hex(owner.identityColour()));
        }
    }
}
