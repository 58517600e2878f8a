package cn.ac.ihep.heps.guacamole.resolver.user;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.guacamole.resolver.InMemoryCloud;
import cn.ac.ihep.heps.guacamole.resolver.PropertiesEnvironment;
import cn.ac.ihep.heps.guacamole.resolver.ResolverFixture;
import cn.ac.ihep.heps.guacamole.resolver.TestUser;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.GuacamoleResourceNotFoundException;
import org.apache.guacamole.GuacamoleServerBusyException;
import org.apache.guacamole.language.Translatable;
import org.apache.guacamole.net.auth.Connection;
import org.apache.guacamole.net.auth.UserContext;
import org.apache.guacamole.net.auth.permission.ObjectPermission;
import org.junit.jupiter.api.Test;

class DesktopUserContextServiceTest {

    private static InMemoryCloud cloudWithDesktops() {
        InMemoryCloud cloud = new InMemoryCloud();
        cloud.put(InMemoryCloud.server("vm-a", "alice-desktop", ServerState.ACTIVE, "10.0.0.5",
                Set.of("heps-desktop", "heps-owner:alice"), Map.of("heps.protocol", "vnc")));
        cloud.put(InMemoryCloud.server("vm-b", "b1-shared", ServerState.SHUTOFF, "10.0.0.6",
                Set.of("heps-desktop", "heps-owner:bob", "heps-group:exp-1", "heps-user:alice"),
                Map.of("heps.protocol", "rdp")));
        return cloud;
    }

    @Test
    void theUserSeesTheirOwnAndSharedDesktopsWithReadPermissionOnly() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloudWithDesktops(), new PropertiesEnvironment())) {
            UserContext context = fixture.provider().getUserContext(new TestUser("alice", Set.of()));
            assertEquals(Set.of("vm-a", "vm-b"), context.getConnectionDirectory().getIdentifiers());
            assertEquals(Set.of("vm-a", "vm-b"), context.getRootConnectionGroup().getConnectionIdentifiers());

            Set<ObjectPermission> permissions = context.self().getConnectionPermissions().getPermissions();
            assertEquals(Set.of(new ObjectPermission(ObjectPermission.Type.READ, "vm-a"),
                    new ObjectPermission(ObjectPermission.Type.READ, "vm-b")), permissions);
            assertTrue(context.self().getSystemPermissions().getPermissions().isEmpty());

            Connection shared = context.getConnectionDirectory().get("vm-b");
            assertEquals("b1-shared", shared.getName());
            assertEquals("rdp", shared.getConfiguration().getProtocol());
            assertTrue(shared.getConfiguration().getParameters().isEmpty(), "no parameter is ever exposed");
            assertTrue(shared.getAttributes().isEmpty());
        }
    }

    @Test
    void groupMembersSeeTheGroupDesktop() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloudWithDesktops(), new PropertiesEnvironment())) {
            UserContext context = fixture.provider().getUserContext(new TestUser("carol", Set.of("exp-1")));
            assertEquals(Set.of("vm-b"), context.getConnectionDirectory().getIdentifiers());
        }
    }

    @Test
    void aUserWithoutADesktopGetsAClearMessage() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloudWithDesktops(), new PropertiesEnvironment())) {
            GuacamoleResourceNotFoundException e = assertThrows(GuacamoleResourceNotFoundException.class,
                    () -> fixture.provider().getUserContext(new TestUser("zoe", Set.of("exp-9"))));
            assertTrue(e.getMessage().contains("No desktop is assigned to you"), e.getMessage());
            assertEquals("HEPS_VM_RESOLVER.ERROR_NO_DESKTOP", ((Translatable) e).getTranslatableMessage().getKey());
        }
    }

    @Test
    void siteCanChooseAnEmptyListInsteadOfTheMessage() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloudWithDesktops(),
                new PropertiesEnvironment().set("heps-vm-no-desktop-action", "empty"))) {
            UserContext context = fixture.provider().getUserContext(new TestUser("zoe", Set.of()));
            assertTrue(context.getConnectionDirectory().getIdentifiers().isEmpty());
        }
    }

    @Test
    void whenNoListingEverSucceededUsersAreToldToTryAgain() throws Exception {
        InMemoryCloud down = cloudWithDesktops();
        down.setDown(true);
        try (ResolverFixture fixture = ResolverFixture.start(down, new PropertiesEnvironment())) {
            assertThrows(GuacamoleServerBusyException.class,
                    () -> fixture.provider().getUserContext(new TestUser("alice", Set.of())));
        }
    }

    private static InMemoryCloud cloudWithWindows(java.time.Instant aliceEnds, java.time.Instant otherEnds) {
        InMemoryCloud cloud = new InMemoryCloud();
        cloud.put(InMemoryCloud.server("vm-a", "alice-desktop", ServerState.SHELVED_OFFLOADED, "10.0.0.5",
                Set.of("heps-desktop", "heps-owner:alice"),
                Map.of("heps.protocol", "vnc", "heps.expires", aliceEnds.toString())));
        cloud.put(InMemoryCloud.server("vm-c", "alice-second", ServerState.ACTIVE, "10.0.0.7",
                Set.of("heps-desktop", "heps-owner:alice"),
                Map.of("heps.protocol", "vnc", "heps.expires", otherEnds.toString())));
        return cloud;
    }

    @Test
    void aUserWhoseEveryBeamtimeHasEndedIsToldAtLoginWhenItEndedAndWhomToAsk() throws Exception {
        java.time.Instant now = java.time.Instant.now();
        java.time.Instant latest = now.minusSeconds(3600);
        try (ResolverFixture fixture = ResolverFixture.start(cloudWithWindows(now.minusSeconds(7200), latest),
                new PropertiesEnvironment().set("heps-site-contact", "the beamline office, ext. 4242"))) {
            org.apache.guacamole.GuacamoleClientException e = assertThrows(
                    org.apache.guacamole.GuacamoleClientException.class,
                    () -> fixture.provider().getUserContext(new TestUser("alice", Set.of())));
            assertEquals("HEPS_VM_RESOLVER.ERROR_BEAMTIME_ENDED", ((Translatable) e).getTranslatableMessage().getKey());
            assertEquals("alice-second", ((Map<?, ?>) ((Translatable) e).getTranslatableMessage().getVariables()).get("NAME"),
                    "the latest window is the one named");
            assertTrue(e.getMessage().contains("the beamline office, ext. 4242"), e.getMessage());
            assertTrue(e.getMessage().contains(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
                    .format(latest.atOffset(java.time.ZoneOffset.UTC))), e.getMessage());
        }
    }

    @Test
    void aDesktopWhoseBeamtimeEndedSaysSoInTheListBesideOneStillInItsWindow() throws Exception {
        java.time.Instant now = java.time.Instant.now();
        try (ResolverFixture fixture = ResolverFixture.start(cloudWithWindows(now.minusSeconds(7200),
                now.plusSeconds(3600)), new PropertiesEnvironment().set("heps-site-contact", "the user office"))) {
            UserContext context = fixture.provider().getUserContext(new TestUser("alice", Set.of()));
            assertEquals(Set.of("vm-a", "vm-c"), context.getConnectionDirectory().getIdentifiers());
            String ended = context.getConnectionDirectory().get("vm-a").getName();
            assertTrue(ended.startsWith("alice-desktop (beamtime ended ") && ended.endsWith(
                    " UTC: ask the user office to extend it)"), ended);
            assertEquals("alice-second", context.getConnectionDirectory().get("vm-c").getName());
        }
    }

    @Test
    void theAnonymousUserGetsNoContext() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloudWithDesktops(), new PropertiesEnvironment())) {
            assertNull(fixture.provider().getUserContext(new TestUser("", Set.of())));
        }
    }

    @Test
    void anUnknownNoDesktopActionIsRefused() throws Exception {
        try (ResolverFixture fixture = ResolverFixture.start(cloudWithDesktops(),
                new PropertiesEnvironment().set("heps-vm-no-desktop-action", "redirect"))) {
            Exception e = assertThrows(Exception.class,
                    () -> fixture.provider().getUserContext(new TestUser("alice", Set.of())));
            assertTrue(e.getMessage().contains("heps-vm-no-desktop-action"), e.getMessage());
        }
    }
}
