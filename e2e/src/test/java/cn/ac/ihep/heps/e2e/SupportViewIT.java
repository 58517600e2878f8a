package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.Connection;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.FrameWait;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelParameters;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelSession;
import cn.ac.ihep.heps.testsupport.openstack.DesktopIdentity;
import cn.ac.ihep.heps.testsupport.time.Eventually;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Support staff through the real web application and guacd: a member of the demo's support group
 * ({@code heps-support}, every beamline) is offered each desktop as a view-only connection and
 * never the desktop itself; opening one while nobody uses the desktop opens nothing, and while its
 * user has a session open it joins that guacd connection and shows the same screen, over VNC and
 * over RDP; the agent's audit log names the support user and the desktop.
 */
@ExtendWith(E2eEnvironment.Extension.class)
class SupportViewIT {

    private static final String SUPPORT_GROUP = "heps-support";
    private static final String VIEW = "~view";
    private static final String AUDITED_ACTION = "desktop.view.support";

    @Test
    void supportStaffWatchALinuxDesktopsLiveVncSession(E2eEnvironment env, TestReporter report) {
        DesktopUser owner = env.linux;
        watch(env, report, owner, owner.username(), "vnc", "e2e" + env.run + "v");
    }

    @Test
    void supportStaffWatchAWindowsDesktopsLiveRdpSession(E2eEnvironment env, TestReporter report) {
        Assumptions.assumeTrue(env.windows.isPresent(), "no beamline of the demo agent " + env.demo.beamlines()
                + " has a current Windows image (os_type=windows), so there is no RDP session to watch");
        // The colleague, a named user without a sign-in, is shown xrdp's login screen in the
        // desktop's identity colour (RdpDesktopIT): what support must then see too.
        watch(env, report, env.windows.get(), env.colleague, "rdp", "e2e" + env.run + "x");
    }

    private static void watch(E2eEnvironment env, TestReporter report, DesktopUser desktop, String user, String protocol,
            String supportUser) {
        String view = desktop.serverId() + VIEW;
        AuthenticatedSession support = DesktopScreens.login(env, supportUser, SUPPORT_GROUP);
        Map<String, Connection> offered = env.guacamole.web().connections(support.authToken(), DesktopScreens.RESOLVER)
                .orThrow();
        assertTrue(offered.containsKey(view), () -> supportUser + " is offered " + offered.keySet());
        assertTrue(offered.keySet().stream().allMatch(id -> id.endsWith(VIEW)),
                () -> "support staff get view-only connections only: " + offered.keySet());

        try (TunnelSession idle = env.guacamole.tunnel().open(support.authToken(), viewParameters(view))) {
            FrameWait outcome = idle.awaitFirstFrame(Duration.ofSeconds(20));
            FrameWait.Ended ended = assertInstanceOf(FrameWait.Ended.class, outcome,
                    () -> "watching " + view + " while nobody uses it: " + outcome);
            assertFalse(ended.status().isSuccess(), ended.status()::toString);
            assertEquals(0, idle.opcodeCounts().getOrDefault("img", 0L));
        }

        AuthenticatedSession session = DesktopScreens.login(env, user);
        try (TunnelSession used = env.guacamole.tunnel().open(session.authToken(),
                DesktopScreens.parameters(desktop.serverId()))) {
            FrameWait first = used.awaitFirstFrame(Duration.ofSeconds(45));
            assertInstanceOf(FrameWait.Frames.class, first, () -> user + " opening " + desktop.serverId() + ": " + first);
            long opened = System.nanoTime();
            try (TunnelSession watching = env.guacamole.tunnel().open(support.authToken(), viewParameters(view))) {
                FrameWait watched = watching.awaitFirstFrame(Duration.ofSeconds(30));
                assertInstanceOf(FrameWait.Frames.class, watched, () -> supportUser + " watching " + view + ": " + watched);
                Measurements.record(report, "support view (" + protocol + "): open to first frame (ms)",
                        Long.toString(DesktopScreens.millis(opened, watching.frames().firstFrameNanos().orElseThrow())));
                List<String> mismatches = DesktopScreens.awaitCorners(watching, desktop.identityColour(),
                        Duration.ofSeconds(20));
                assertEquals(List.of(), mismatches, () -> "support sees " + user + "'s screen of " + desktop.serverId()
                        + ", " + DesktopIdentity.hex(desktop.identityColour()) + "; saved "
                        + DesktopScreens.save(watching.display().snapshot(), "support-" + protocol + "-" + desktop.serverId()));
            }
        }

        // The node reports the join at once; the agent writes it to its audit log.
        List<JsonNode> audited = Eventually.await("the support view of " + view + " in the agent's audit log",
                Duration.ofSeconds(60), Duration.ofSeconds(1), () -> env.demo.agent().audit(supportUser),
                entries -> entries.stream().anyMatch(entry -> isTheJoin(entry, supportUser, desktop.serverId(), user)));
        Measurements.record(report, "support view (" + protocol + "): audited", audited.stream()
                .filter(entry -> isTheJoin(entry, supportUser, desktop.serverId(), user)).findFirst().orElseThrow().toString());
    }

    /** The agent's entry: this support user watched this user's session on this server. */
    private static boolean isTheJoin(JsonNode entry, String supportUser, String serverId, String user) {
        List<String> detail = List.of(entry.path("detail").asText().split(" "));
        return AUDITED_ACTION.equals(entry.path("action").asText()) && supportUser.equals(entry.path("actor").asText())
                && detail.contains("server=" + serverId) && detail.contains("session=" + user);
    }

    private static TunnelParameters viewParameters(String view) {
        return TunnelParameters.connection(DesktopScreens.RESOLVER, view).withSize(1920, 1080);
    }
}
