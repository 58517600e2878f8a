package cn.ac.ihep.heps.guacamole.resolver.power;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.testsupport.time.MutableClock;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import cn.ac.ihep.heps.guacamole.resolver.InMemoryCloud;
import cn.ac.ihep.heps.guacamole.resolver.PropertiesEnvironment;
import cn.ac.ihep.heps.guacamole.resolver.connection.ConnectionProfileFactory;
import cn.ac.ihep.heps.guacamole.resolver.index.Desktop;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopFactory;
import cn.ac.ihep.heps.guacamole.resolver.index.DesktopPrincipal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.guacamole.GuacamoleClientException;
import org.apache.guacamole.GuacamoleException;
import org.apache.guacamole.GuacamoleResourceNotFoundException;
import org.apache.guacamole.GuacamoleSecurityException;
import org.apache.guacamole.GuacamoleUpstreamUnavailableException;
import org.apache.guacamole.language.Translatable;
import org.apache.guacamole.protocol.GuacamoleStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DesktopWakeServiceTest {

    private static final DesktopPrincipal ALICE = new DesktopPrincipal("alice", Set.of("exp-1"));

    private final InMemoryCloud cloud = new InMemoryCloud();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private ServerSocket desktopPort;
    private DesktopFactory desktops;
    private DesktopWakeService wake;

    @BeforeEach
    void setUp() throws Exception {
        // The "desktop": a loopback port that accepts TCP, like an RDP/VNC server that is up.
        desktopPort = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ConfigurationService configuration = new ConfigurationService(new PropertiesEnvironment()
                .set("heps-vnc-port", Integer.toString(desktopPort.getLocalPort()))
                .set("heps-rdp-port", Integer.toString(desktopPort.getLocalPort()))
                .set("heps-site-contact", "the HEPS user office (users@heps.example)"));
        desktops = new DesktopFactory(cloud, configuration);
        wake = new DesktopWakeService(cloud, desktops, new ConnectionProfileFactory(configuration), new PortProbe(),
                clock, configuration);
    }

    @AfterEach
    void tearDown() throws Exception {
        desktopPort.close();
    }

    private Desktop put(ServerState state, String address) {
        cloud.put(InMemoryCloud.server("vm-1", "alice-desktop", state, address,
                Set.of("heps-desktop", "heps-owner:alice"), Map.of("heps.protocol", "vnc")));
        return desktops.desktopFor(cloud.get("vm-1"));
    }

    @Test
    void anActiveDesktopWhosePortAnswersIsReady() throws Exception {
        Desktop desktop = put(ServerState.ACTIVE, "127.0.0.1");
        assertEquals("vm-1", wake.prepare(desktop, ALICE).id());
        assertEquals(List.of(), cloud.actions());
    }

    @Test
    void anActiveDesktopWhosePortIsClosedIsStillStarting() throws Exception {
        Desktop desktop = put(ServerState.ACTIVE, "127.0.0.1");
        desktopPort.close();
        assertStarting(() -> wake.prepare(desktop, ALICE));
    }

    @ParameterizedTest
    @CsvSource({"SHUTOFF,start", "SHELVED,unshelve", "SHELVED_OFFLOADED,unshelve", "SUSPENDED,resume",
            "PAUSED,unpause"})
    void aSleepingDesktopIsWokenAndTheClientToldToRetry(ServerState state, String action) throws Exception {
        Desktop desktop = put(state, "127.0.0.1");
        assertStarting(() -> wake.prepare(desktop, ALICE));
        assertEquals(List.of(action + ":vm-1"), cloud.actions());
        // The client retries; the VM is now ACTIVE and its port answers.
        assertEquals(ServerState.ACTIVE, wake.prepare(desktop, ALICE).state());
        assertEquals(1, cloud.actions().size());
    }

    @Test
    void retriesWithinTheWakeIntervalDoNotRepeatTheAction() throws Exception {
        Desktop desktop = put(ServerState.SHUTOFF, "127.0.0.1");
        // Nova accepted the start but the state has not changed yet.
        InMemoryCloud slow = cloud;
        assertStarting(() -> wake.prepare(desktop, ALICE));
        slow.put(InMemoryCloud.server("vm-1", "alice-desktop", ServerState.SHUTOFF, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:alice"), Map.of("heps.protocol", "vnc")));
        assertStarting(() -> wake.prepare(desktop, ALICE));
        assertEquals(1, cloud.actions().size());
        clock.advance(Duration.ofSeconds(61));
        assertStarting(() -> wake.prepare(desktop, ALICE));
        assertEquals(2, cloud.actions().size());
    }

    @Test
    void aBuildingDesktopIsStarting() {
        Desktop desktop = put(ServerState.BUILDING, null);
        assertStarting(() -> wake.prepare(desktop, ALICE));
        assertEquals(List.of(), cloud.actions());
    }

    @Test
    void aFailedDesktopGetsAClearMessageNamingIt() {
        Desktop desktop = put(ServerState.ERROR, "127.0.0.1");
        GuacamoleException e = assertThrows(GuacamoleClientException.class, () -> wake.prepare(desktop, ALICE));
        assertTrue(e.getMessage().contains("alice-desktop"), e.getMessage());
        assertTrue(e.getMessage().contains("IT support"), e.getMessage());
        assertEquals("HEPS_VM_RESOLVER.ERROR_DESKTOP_FAILED",
                ((Translatable) e).getTranslatableMessage().getKey());
        // Not a status the Guacamole client retries on its own.
        assertEquals(GuacamoleStatus.CLIENT_BAD_REQUEST, e.getStatus());
    }

    @Test
    void aDeletedDesktopIsReportedGone() {
        Desktop desktop = put(ServerState.ACTIVE, "127.0.0.1");
        cloud.remove("vm-1");
        assertThrows(GuacamoleResourceNotFoundException.class, () -> wake.prepare(desktop, ALICE));
    }

    @Test
    void aDesktopWhoseTagsNoLongerNameTheUserIsRefused() {
        Desktop desktop = put(ServerState.ACTIVE, "127.0.0.1");
        cloud.put(InMemoryCloud.server("vm-1", "alice-desktop", ServerState.ACTIVE, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:mallory"), Map.of()));
        assertThrows(GuacamoleSecurityException.class, () -> wake.prepare(desktop, ALICE));
    }

    @Test
    void whenNovaIsDownAtConnectTimeTheListedStateIsUsed() throws Exception {
        Desktop desktop = put(ServerState.ACTIVE, "127.0.0.1");
        cloud.setDown(true);
        assertEquals("vm-1", wake.prepare(desktop, ALICE).id());
        Desktop stopped = put(ServerState.SHUTOFF, "127.0.0.1");
        assertStarting(() -> wake.prepare(stopped, ALICE));
    }

    private Desktop putWithWindow(ServerState state, Instant expires) {
        cloud.put(InMemoryCloud.server("vm-1", "alice-desktop", state, "127.0.0.1",
                Set.of("heps-desktop", "heps-owner:alice", "heps-user:bob"),
                Map.of("heps.protocol", "vnc", "heps.expires", expires.toString(), "heps.beamline", "b1")));
        return desktops.desktopFor(cloud.get("vm-1"));
    }

    @ParameterizedTest
    @CsvSource({"SHELVED_OFFLOADED", "SHUTOFF", "ACTIVE"})
    void aDesktopPastItsBeamtimeIsNotWokenNorOpenedAndTheUserIsToldWhenItEndedAndWhomToAsk(ServerState state) {
        Desktop desktop = putWithWindow(state, clock.instant().minusSeconds(60));
        GuacamoleException e = assertThrows(GuacamoleClientException.class, () -> wake.prepare(desktop, ALICE));
        assertEquals("HEPS_VM_RESOLVER.ERROR_BEAMTIME_ENDED", ((Translatable) e).getTranslatableMessage().getKey());
        assertEquals(Map.of("NAME", "alice-desktop", "ENDED", "2025-12-31 23:59",
                "CONTACT", "the HEPS user office (users@heps.example)"),
                ((Translatable) e).getTranslatableMessage().getVariables());
        assertTrue(e.getMessage().contains("2025-12-31 23:59") && e.getMessage().contains("users@heps.example"),
                e.getMessage());
        assertEquals(GuacamoleStatus.CLIENT_BAD_REQUEST, e.getStatus(), "not a status the client retries");
        assertEquals(List.of(), cloud.actions(), "nothing is woken");
        assertThrows(GuacamoleClientException.class, () -> wake.connect(desktop, ALICE, ready -> {
            throw new AssertionError("guacd must not be asked to connect");
        }));
    }

    @Test
    void aWindowExtendedSinceTheListingIsReadFromNovaAndTheDesktopWoken() throws Exception {
        Desktop listed = putWithWindow(ServerState.SHELVED_OFFLOADED, clock.instant().minusSeconds(60));
        putWithWindow(ServerState.SHELVED_OFFLOADED, clock.instant().plus(Duration.ofHours(4)));
        assertStarting(() -> wake.prepare(listed, ALICE));
        assertEquals(List.of("unshelve:vm-1"), cloud.actions());
    }

    @Test
    void theWindowEndsAtItsInstantAndADesktopWithoutOneNeverExpires() throws Exception {
        Desktop endsNow = putWithWindow(ServerState.ACTIVE, clock.instant());
        assertThrows(GuacamoleClientException.class, () -> wake.prepare(endsNow, ALICE));
        Desktop endsLater = putWithWindow(ServerState.ACTIVE, clock.instant().plusSeconds(1));
        assertEquals("vm-1", wake.prepare(endsLater, ALICE).id());
        assertEquals("vm-1", wake.prepare(put(ServerState.ACTIVE, "127.0.0.1"), ALICE).id());
    }

    @ParameterizedTest
    @CsvSource({"SHUTOFF", "SHELVED_OFFLOADED", "SUSPENDED", "PAUSED"})
    void onlyItsOwnerWakesADesktopOthersOpenItWhileItRuns(ServerState state) throws Exception {
        DesktopPrincipal bob = new DesktopPrincipal("bob", Set.of());
        Desktop asleep = putWithWindow(state, clock.instant().plus(Duration.ofHours(1)));
        GuacamoleException e = assertThrows(GuacamoleClientException.class, () -> wake.prepare(asleep, bob));
        assertEquals("HEPS_VM_RESOLVER.ERROR_NOT_OWNER_WAKE", ((Translatable) e).getTranslatableMessage().getKey());
        assertTrue(e.getMessage().contains("owner (alice)"), e.getMessage());
        assertEquals(List.of(), cloud.actions(), "a grant Nova may not have let the agent remove wakes nothing");

        assertStarting(() -> wake.prepare(asleep, ALICE));
        assertEquals(1, cloud.actions().size());
        assertEquals("vm-1", wake.prepare(asleep, bob).id(), "running: the named user opens it");
    }

    private static void assertStarting(org.junit.jupiter.api.function.Executable call) {
        GuacamoleException e = assertThrows(GuacamoleException.class, call);
        assertInstanceOf(GuacamoleUpstreamUnavailableException.class, e, e.getMessage());
        assertEquals(GuacamoleStatus.UPSTREAM_UNAVAILABLE, e.getStatus());
        assertEquals(0x0208, e.getStatus().getGuacamoleStatusCode());
    }
}
