package cn.ac.ihep.heps.guacamole.resolver.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.guacamole.resolver.InMemoryCloud;
import cn.ac.ihep.heps.guacamole.resolver.PropertiesEnvironment;
import cn.ac.ihep.heps.guacamole.resolver.ResolverFixture;
import cn.ac.ihep.heps.guacamole.resolver.TestUser;
import cn.ac.ihep.heps.guacamole.resolver.activity.AgentStandIn;
import cn.ac.ihep.heps.testsupport.guacamole.TestRequest;
import cn.ac.ihep.heps.testsupport.guacd.GuacdFake;
import cn.ac.ihep.heps.testsupport.guacd.GuacdHandshake;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleResourceNotFoundException;
import org.apache.guacamole.language.Translatable;
import org.apache.guacamole.net.GuacamoleTunnel;
import org.apache.guacamole.net.auth.ActiveConnection;
import org.apache.guacamole.net.auth.Connection;
import org.apache.guacamole.net.auth.Credentials;
import org.apache.guacamole.net.auth.UserContext;
import org.apache.guacamole.net.auth.permission.ObjectPermission;
import org.apache.guacamole.protocol.GuacamoleClientInformation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Support staff ({@code heps-support-groups}): a member of a beamline's support group is offered
 * each desktop of that beamline as a view-only join ({@code <server id>~view}) of the session its
 * user has open, never the VM itself; site-wide support sees every beamline; each join reaches the
 * agent's audit channel (a stand-in on loopback), as does each share link's join. guacd is the
 * handshake fake, which records who joins what, read-only or not.
 */
class SupportStaffTest {

    private static final String SECRET = "a-site-secret-of-some-length";

    private GuacdFake guacd;
    private ServerSocket desktopPort;
    private AgentStandIn agent;
    private ResolverFixture resolver;

    @BeforeEach
    void start() throws Exception {
        guacd = GuacdFake.start();
        desktopPort = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        agent = new AgentStandIn();
        InMemoryCloud cloud = new InMemoryCloud();
        cloud.put(desktop("vm-alice", "alice", "nanoprobe"));
        cloud.put(desktop("vm-bob", "bob", "nanoprobe"));
        cloud.put(desktop("vm-carol", "carol", "high-pressure"));
        cloud.put(InMemoryCloud.server("vm-dave", "dave-desktop", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:dave"), Map.of("heps.protocol", "vnc")));
        resolver = ResolverFixture.start(cloud, new PropertiesEnvironment()
                .set("guacd-hostname", guacd.hostname())
                .set("guacd-port", Integer.toString(guacd.port()))
                .set("heps-vnc-secret", SECRET)
                .set("heps-vnc-port", Integer.toString(desktopPort.getLocalPort()))
                .set("heps-support-groups", "it-support, nanoprobe=np-staff, nanoprobe=np-night, high-pressure=Pressure-Staff")
                .set("heps-agent-url", agent.url())
                .set("heps-agent-token", "the-activity-token")
                .set("heps-agent-report-interval", "3600")
                .set("heps-node-name", "guac-support-test"));
    }

    private static cn.ac.ihep.heps.common.cloud.CloudServer desktop(String id, String owner, String beamline) {
        return InMemoryCloud.server(id, owner + "-desktop", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:" + owner), Map.of("heps.protocol", "vnc", "heps.beamline", beamline));
    }

    @AfterEach
    void stop() throws Exception {
        resolver.close();
        agent.close();
        desktopPort.close();
        guacd.close();
    }

    private static GuacamoleClientInformation screen() {
        GuacamoleClientInformation info = new GuacamoleClientInformation();
        info.setOptimalScreenWidth(1280);
        info.setOptimalScreenHeight(800);
        return info;
    }

    private UserContext login(String user, String... groups) throws GuacamoleException {
        return resolver.provider().getUserContext(new TestUser(user, Set.of(groups)));
    }

    @Test
    void aBeamlinesSupportGroupIsOfferedItsDesktopsViewOnlyAndSiteWideSupportEveryDesktop() throws Exception {
        UserContext np = login("sam", "np-staff");
        assertEquals(Set.of("vm-alice~view", "vm-bob~view"), np.getConnectionDirectory().getIdentifiers());
        Connection view = np.getConnectionDirectory().get("vm-alice~view");
        assertEquals("alice-desktop (alice, view only)", view.getName());
        assertTrue(view.getSharingProfileIdentifiers().isEmpty(), "support staff pass nothing on");
        assertTrue(np.getSharingProfileDirectory().getIdentifiers().isEmpty());
        assertEquals(Set.of(new ObjectPermission(ObjectPermission.Type.READ, "vm-alice~view"),
                new ObjectPermission(ObjectPermission.Type.READ, "vm-bob~view")),
                np.self().getConnectionPermissions().getPermissions());
        assertTrue(view.getConfiguration().getParameters().isEmpty());

        assertEquals(Set.of("vm-alice~view", "vm-bob~view", "vm-carol~view", "vm-dave~view"),
                login("ivy", "it-support").getConnectionDirectory().getIdentifiers(),
                "site-wide support, a desktop naming no beamline included");
        assertEquals(Set.of("vm-carol~view"), login("pat", "Pressure-Staff").getConnectionDirectory().getIdentifiers());
        assertThrows(GuacamoleResourceNotFoundException.class, () -> login("pat", "pressure-staff"),
                "with Guacamole's case-sensitivity on (its default), another spelling is another group");
        assertThrows(GuacamoleResourceNotFoundException.class, () -> login("nina", "np-staff-old", "nanoprobe"),
                "a beamline's name is no group of its staff");
    }

    @Test
    void aSupportUserWhoOwnsADesktopOpensItAsTheOwnerAndWatchesTheOthers() throws Exception {
        UserContext alice = login("alice", "np-night");
        assertEquals(Set.of("vm-alice", "vm-bob~view"), alice.getConnectionDirectory().getIdentifiers());
    }

    @Test
    void watchingJoinsTheOwnersLiveSessionReadOnlyAndIsAudited() throws Exception {
        UserContext alice = login("alice");
        GuacamoleTunnel owner = alice.getConnectionDirectory().get("vm-alice").connect(screen(),
                Map.of("GUAC_CLIENT_ADDRESS", "192.0.2.10"));
        GuacdHandshake opened = guacd.awaitHandshake(Duration.ofSeconds(5));
        assertEquals("vnc", opened.protocol());
        agent.drain();

        UserContext sam = login("sam", "np-staff");
        GuacamoleTunnel watching = sam.getConnectionDirectory().get("vm-alice~view").connect(screen(),
                Map.of("GUAC_CLIENT_ADDRESS", "192.0.2.77"));
        GuacdHandshake join = guacd.awaitHandshake(Duration.ofSeconds(5));
        assertEquals(opened.connectionId(), join.protocol(), "it joins alice's connection, never the VM");
        assertEquals("true", join.parameters().get("read-only"));
        assertEquals("", join.parameters().get("password"), "support never gets the VNC password");
        assertTrue(sam.getActiveConnectionDirectory().getIdentifiers().isEmpty(), "nothing for support to share");

        JsonNode joined = nextJoin();
        assertEquals("vm-alice", joined.get("serverId").asText());
        assertEquals("support-view", joined.get("via").asText());
        assertEquals("sam", joined.get("user").asText());
        assertEquals("alice", joined.get("sessionOf").asText());
        assertEquals("192.0.2.77", joined.get("from").asText());
        watching.close();
        owner.close();
    }

    @Test
    void withNoLiveSessionThereIsNothingToWatchAndTheVmIsNeverOpened() throws Exception {
        UserContext sam = login("sam", "np-staff");
        GuacamoleException e = assertThrows(GuacamoleResourceNotFoundException.class,
                () -> sam.getConnectionDirectory().get("vm-bob~view").connect(screen(), Map.of()));
        assertEquals("HEPS_VM_RESOLVER.ERROR_NO_SESSION_TO_WATCH", ((Translatable) e).getTranslatableMessage().getKey());
        assertEquals(0, guacd.pendingHandshakes(), "guacd was not asked for anything");
    }

    @Test
    void fullControlComesOnlyFromTheOwnersShareLinkAndThatJoinIsAuditedToo() throws Exception {
        UserContext alice = login("alice");
        GuacamoleTunnel owner = alice.getConnectionDirectory().get("vm-alice").connect(screen(), Map.of());
        guacd.awaitHandshake(Duration.ofSeconds(5));
        ActiveConnection session = alice.getActiveConnectionDirectory()
                .get(alice.getActiveConnectionDirectory().getIdentifiers().iterator().next());
        String key = session.getSharingCredentials("vm-alice~full").getValues().get("heps_share");
        agent.drain();

        UserContext link = resolver.provider().getUserContext(resolver.provider().authenticateUser(new Credentials(null,
                null, TestRequest.builder().parameter("heps_share", key).remoteAddress("192.0.2.88").build()
                        .toServletRequest())));
        link.getConnectionDirectory().get("vm-alice~full").connect(screen(), Map.of("GUAC_CLIENT_ADDRESS", "192.0.2.88"))
                .close();
        assertEquals("", guacd.awaitHandshake(Duration.ofSeconds(5)).parameters().get("read-only"));
        JsonNode joined = nextJoin();
        assertEquals("share-full", joined.get("via").asText());
        assertTrue(joined.get("user").isNull(), "a share link's holder has no account");
        assertEquals("alice", joined.get("sessionOf").asText());
        owner.close();
    }

    @Test
    void aMalformedSupportGroupsSettingStopsTheResolverWithTheProperty() {
        InMemoryCloud cloud = new InMemoryCloud();
        for (String bad : List.of("nanoprobe=", "=np-staff", "a=b=c")) {
            Exception e = assertThrows(Exception.class, () -> ResolverFixture.start(cloud,
                    new PropertiesEnvironment().set("heps-support-groups", "it-support, " + bad)).close(), bad);
            assertTrue(e.getMessage().contains("heps-support-groups") && e.getMessage().contains(bad.trim()),
                    e.getMessage());
        }
    }

    /** The next join the agent hears of, skipping reports without one. */
    private JsonNode nextJoin() throws InterruptedException {
        List<JsonNode> seen = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode report = agent.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))).report();
            seen.add(report);
            if (report.path("joins").size() > 0) {
                assertEquals(1, report.path("joins").size(), report.toString());
                return report.path("joins").get(0);
            }
        }
        throw new AssertionError("no join reported: " + seen);
    }

    @Test
    void nobodyOutsideTheGroupsIsOfferedAView() throws Exception {
        assertEquals(Set.of("vm-dave"), login("dave", "users").getConnectionDirectory().getIdentifiers());
    }
}
