package cn.ac.ihep.heps.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import cn.ac.ihep.heps.testsupport.guacamole.web.ApiResult;
import cn.ac.ihep.heps.testsupport.guacamole.web.AuthenticatedSession;
import cn.ac.ihep.heps.testsupport.guacamole.web.Connection;
import cn.ac.ihep.heps.testsupport.guacamole.web.GuacamoleWebClient;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.FrameWait;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelParameters;
import cn.ac.ihep.heps.testsupport.guacamole.web.tunnel.TunnelSession;
import cn.ac.ihep.heps.testsupport.openstack.DesktopIdentity;
import cn.ac.ihep.heps.testsupport.time.Eventually;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sharing a live desktop through the real web application and guacd, the way the client's
 * menu does it: the owner's open tunnel offers "View only" and "Full control"; the credentials
 * of a view-only link sign a second browser in without any account, it joins the same guacd
 * connection and sees the same desktop; when the owner leaves, the link opens nothing.
 */
@ExtendWith(E2eEnvironment.Extension.class)
class ShareLinkIT {

    @Test
    void aViewOnlyLinkShowsTheOwnersDesktopUntilTheOwnerLeaves(E2eEnvironment env) {
        DesktopUser owner = env.linux;
        GuacamoleWebClient web = env.guacamole.web();
        AuthenticatedSession session = DesktopScreens.login(env, owner.username());
        String key;
        try (TunnelSession tunnel = env.guacamole.tunnel().open(session.authToken(),
                DesktopScreens.parameters(owner.serverId()))) {
            assertInstanceOf(FrameWait.Frames.class, tunnel.awaitFirstFrame(Duration.ofSeconds(30)));
            String uuid = tunnel.uuid().orElseThrow();
            Map<String, String> profiles = web.sharingProfiles(session.authToken(), uuid).orThrow();
            assertEquals(Map.of(owner.serverId() + "~view", "View only", owner.serverId() + "~full", "Full control"),
                    profiles);
            key = web.sharingCredentials(session.authToken(), uuid, owner.serverId() + "~view").orThrow()
                    .get("heps_share");

            AuthenticatedSession guest = web.createToken(Map.of("heps_share", key)).orThrow();
            Map<String, Connection> offered = web.connections(guest.authToken(), DesktopScreens.RESOLVER).orThrow();
            assertEquals(List.of(owner.serverId() + "~view"), List.copyOf(offered.keySet()));
            try (TunnelSession joined = env.guacamole.tunnel().open(guest.authToken(),
                    TunnelParameters.connection(DesktopScreens.RESOLVER, owner.serverId() + "~view")
                            .withSize(1920, 1080))) {
                assertInstanceOf(FrameWait.Frames.class, joined.awaitFirstFrame(Duration.ofSeconds(30)));
                List<String> mismatches = DesktopScreens.awaitCorners(joined, owner.identityColour(),
                        Duration.ofSeconds(10));
                assertEquals(List.of(), mismatches, () -> "the guest sees the owner's desktop, "
                        + DesktopIdentity.hex(owner.identityColour()));
            }
        }
        // The owner left: once the web application has seen the WebSocket close (the browser
        // does not wait for that either), the connection is over and the link opens nothing.
        Eventually.await("the share link to end after the owner left",
                Duration.ofSeconds(10), Duration.ofMillis(250), () -> web.createToken(Map.of("heps_share", key)),
                result -> result instanceof ApiResult.Failed<AuthenticatedSession>);
    }
}
