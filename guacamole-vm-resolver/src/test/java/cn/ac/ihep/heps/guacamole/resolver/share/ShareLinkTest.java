package cn.ac.ihep.heps.guacamole.resolver.share;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.guacamole.resolver.InMemoryCloud;
import cn.ac.ihep.heps.guacamole.resolver.PropertiesEnvironment;
import cn.ac.ihep.heps.guacamole.resolver.ResolverFixture;
import cn.ac.ihep.heps.guacamole.resolver.TestUser;
import cn.ac.ihep.heps.testsupport.guacamole.TestRequest;
import cn.ac.ihep.heps.testsupport.guacd.GuacdFake;
import cn.ac.ihep.heps.testsupport.guacd.GuacdHandshake;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.net.auth.ActiveConnection;
import org.apache.guacamole.net.auth.AuthenticatedUser;
import org.apache.guacamole.net.auth.Connection;
import org.apache.guacamole.net.auth.Credentials;
import org.apache.guacamole.net.auth.UserContext;
import org.apache.guacamole.net.auth.credentials.GuacamoleInvalidCredentialsException;
import org.apache.guacamole.net.auth.credentials.UserCredentials;
import org.apache.guacamole.protocol.GuacamoleClientInformation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sharing a live desktop session the way Guacamole's web application does it: the owner's
 * open session is an active connection whose sharing profiles give share-link credentials;
 * the link signs its holder in and joins the owner's guacd connection (read-only for view),
 * and the link dies with the session. guacd is the handshake fake, which records joins.
 */
class ShareLinkTest {

    private static final String SECRET = "a-site-secret-of-some-length";

    private GuacdFake guacd;
    private ServerSocket desktopPort;
    private ResolverFixture resolver;

    @BeforeEach
    void start() throws Exception {
        guacd = GuacdFake.start();
        desktopPort = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        InMemoryCloud cloud = new InMemoryCloud();
        cloud.put(InMemoryCloud.server("vm-alice", "alice-desktop", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:alice"), Map.of("heps.protocol", "vnc")));
        cloud.put(InMemoryCloud.server("vm-bob", "bob-desktop", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:bob"), Map.of("heps.protocol", "vnc")));
        resolver = ResolverFixture.start(cloud, new PropertiesEnvironment()
                .set("guacd-hostname", guacd.hostname())
                .set("guacd-port", Integer.toString(guacd.port()))
                .set("heps-vnc-secret", SECRET)
                .set("heps-vnc-port", Integer.toString(desktopPort.getLocalPort())));
    }

    @AfterEach
    void stop() throws Exception {
        resolver.close();
        desktopPort.close();
        guacd.close();
    }

    private static GuacamoleClientInformation screen() {
        GuacamoleClientInformation info = new GuacamoleClientInformation();
        info.setOptimalScreenWidth(1280);
        info.setOptimalScreenHeight(800);
        return info;
    }

    private Credentials shareLinkRequest(String key) {
        return new Credentials(null, null, TestRequest.builder().parameter("heps_share", key)
                .remoteAddress("192.0.2.44").build().toServletRequest());
    }

    private String shareKey(UserContext owner, String profile) throws GuacamoleException {
        ActiveConnection session = owner.getActiveConnectionDirectory()
                .get(owner.getActiveConnectionDirectory().getIdentifiers().iterator().next());
        UserCredentials credentials = session.getSharingCredentials(profile);
        return credentials.getValues().get("heps_share");
    }

    @Test
    void eachDesktopOffersViewAndFullSharingProfiles() throws Exception {
        UserContext alice = resolver.provider().getUserContext(new TestUser("alice", Set.of()));
        Connection desktop = alice.getConnectionDirectory().get("vm-alice");
        assertEquals(Set.of("vm-alice~view", "vm-alice~full"), desktop.getSharingProfileIdentifiers());
        assertEquals(Set.of("vm-alice~view", "vm-alice~full"), alice.getSharingProfileDirectory().getIdentifiers());
        assertEquals("View only", alice.getSharingProfileDirectory().get("vm-alice~view").getName());
        assertEquals("vm-alice", alice.getSharingProfileDirectory().get("vm-alice~full").getPrimaryConnectionIdentifier());
        assertTrue(alice.getActiveConnectionDirectory().getIdentifiers().isEmpty(), "nothing is open yet");
    }

    @Test
    void aViewOnlyLinkJoinsTheOwnersSessionReadOnlyAndDiesWithIt() throws Exception {
        UserContext alice = resolver.provider().getUserContext(new TestUser("alice", Set.of()));
        GuacamoleTunnel owner = alice.getConnectionDirectory().get("vm-alice").connect(screen(), Map.of());
        GuacdHandshake opened = guacd.awaitHandshake(Duration.ofSeconds(5));
        assertEquals("vnc", opened.protocol());

        ActiveConnection session = alice.getActiveConnectionDirectory()
                .get(alice.getActiveConnectionDirectory().getIdentifiers().iterator().next());
        assertEquals(owner.getUUID(), session.getTunnel().getUUID(), "the web application finds it by tunnel");
        assertEquals("vm-alice", session.getConnectionIdentifier());
        String view = shareKey(alice, "vm-alice~view");
        assertEquals(view, shareKey(alice, "vm-alice~view"), "asking again gives the same link");
        assertNotEquals(view, shareKey(alice, "vm-alice~full"));

        AuthenticatedUser guest = resolver.provider().authenticateUser(shareLinkRequest(view));
        assertEquals(AuthenticatedUser.ANONYMOUS_IDENTIFIER, guest.getIdentifier());
        UserContext guestContext = resolver.provider().getUserContext(guest);
        assertEquals(Set.of("vm-alice~view"), guestContext.getConnectionDirectory().getIdentifiers());
        GuacamoleTunnel joined = guestContext.getConnectionDirectory().get("vm-alice~view").connect(screen(), Map.of());
        GuacdHandshake join = guacd.awaitHandshake(Duration.ofSeconds(5));
        assertEquals(opened.connectionId(), join.protocol(), "it joins the owner's connection, not the VM");
        assertEquals("true", join.parameters().get("read-only"));
        assertEquals("", join.parameters().get("password"), "the joining user never gets the VNC password");
        joined.close();

        owner.close();
        assertTrue(alice.getActiveConnectionDirectory().getIdentifiers().isEmpty());
        assertThrows(GuacamoleInvalidCredentialsException.class,
                () -> resolver.provider().authenticateUser(shareLinkRequest(view)));
    }

    @Test
    void aFullControlLinkJoinsWithoutReadOnly() throws Exception {
        UserContext alice = resolver.provider().getUserContext(new TestUser("alice", Set.of()));
        GuacamoleTunnel owner = alice.getConnectionDirectory().get("vm-alice").connect(screen(), Map.of());
        guacd.awaitHandshake(Duration.ofSeconds(5));
        UserContext guest = resolver.provider().getUserContext(
                resolver.provider().authenticateUser(shareLinkRequest(shareKey(alice, "vm-alice~full"))));
        guest.getConnectionDirectory().get("vm-alice~full").connect(screen(), Map.of()).close();
        assertEquals("", guacd.awaitHandshake(Duration.ofSeconds(5)).parameters().get("read-only"));
        owner.close();
    }

    @Test
    void anotherUsersSessionsAndProfilesAreNotOffered() throws Exception {
        UserContext alice = resolver.provider().getUserContext(new TestUser("alice", Set.of()));
        GuacamoleTunnel owner = alice.getConnectionDirectory().get("vm-alice").connect(screen(), Map.of());
        guacd.awaitHandshake(Duration.ofSeconds(5));
        UserContext bob = resolver.provider().getUserContext(new TestUser("bob", Set.of()));
        assertTrue(bob.getActiveConnectionDirectory().getIdentifiers().isEmpty());
        ActiveConnection session = alice.getActiveConnectionDirectory()
                .get(alice.getActiveConnectionDirectory().getIdentifiers().iterator().next());
        assertThrows(GuacamoleException.class, () -> session.getSharingCredentials("vm-bob~full"),
                "a profile of another desktop shares nothing");
        owner.close();
    }

    @Test
    void forgedMalformedAndAbsentKeys() throws Exception {
        for (String key : List.of("A".repeat(43), "short", "../../etc/passwd", "x".repeat(10_000))) {
            assertThrows(GuacamoleInvalidCredentialsException.class,
                    () -> resolver.provider().authenticateUser(shareLinkRequest(key)), key);
        }
        assertNull(resolver.provider().authenticateUser(new Credentials(null, null,
                TestRequest.withParameter("heps_token", "x").toServletRequest())), "not a share link: not ours");
    }

    @Test
    void aSiteCanTurnSharingOff() throws Exception {
        InMemoryCloud cloud = new InMemoryCloud();
        cloud.put(InMemoryCloud.server("vm-carol", "carol-desktop", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:carol"), Map.of("heps.protocol", "vnc")));
        try (ResolverFixture off = ResolverFixture.start(cloud, new PropertiesEnvironment()
                .set("heps-vnc-secret", SECRET).set("heps-sharing-enabled", "false"))) {
            UserContext carol = off.provider().getUserContext(new TestUser("carol", Set.of()));
            assertTrue(carol.getConnectionDirectory().get("vm-carol").getSharingProfileIdentifiers().isEmpty());
            assertTrue(carol.getSharingProfileDirectory().getIdentifiers().isEmpty());
        }
    }
}
