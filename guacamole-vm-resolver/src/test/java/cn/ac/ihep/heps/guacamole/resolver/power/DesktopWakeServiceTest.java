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
                .set("heps-rdp-port", Integer.toString(desktopPort.getLocalPort())));
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

    private static void assertStarting(org.junit.jupiter.api.function.Executable call) {
        GuacamoleException e = assertThrows(GuacamoleException.class, call);
        assertInstanceOf(GuacamoleUpstreamUnavailableException.class, e, e.getMessage());
        assertEquals(GuacamoleStatus.UPSTREAM_UNAVAILABLE, e.getStatus());
        assertEquals(0x0208, e.getStatus().getGuacamoleStatusCode());
    }
}
