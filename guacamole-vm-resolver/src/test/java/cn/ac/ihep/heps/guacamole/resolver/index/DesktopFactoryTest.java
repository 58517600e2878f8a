package cn.ac.ihep.heps.guacamole.resolver.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.DesktopProtocol;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import cn.ac.ihep.heps.guacamole.resolver.InMemoryCloud;
import cn.ac.ihep.heps.guacamole.resolver.PropertiesEnvironment;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DesktopFactoryTest {

    private final InMemoryCloud cloud = new InMemoryCloud();

    private static CloudServer server(String imageId, Map<String, String> metadata,
            Map<String, List<String>> addresses, String floating) {
        return new CloudServer("vm-1", "desk", ServerState.ACTIVE,
                Set.of("heps-desktop", "heps-owner:alice", "heps-group:exp-1", "heps-user:bob", "gpu", "heps-owner:"),
                metadata, addresses, floating, "flavor", imageId, null, Instant.EPOCH);
    }

    private DesktopFactory factory(PropertiesEnvironment environment) throws Exception {
        return new DesktopFactory(cloud, new ConfigurationService(environment));
    }

    @Test
    void theFixedAddressOnTheDesktopNetworkIsUsed() throws Exception {
        Desktop desktop = factory(new PropertiesEnvironment()).desktopFor(server("img", Map.of("heps.protocol", "vnc"),
                Map.of("other-net", List.of("192.168.1.4"), "heps-vm-network", List.of("10.0.0.8")), "172.16.0.9"));
        assertEquals("10.0.0.8", desktop.address());
        assertEquals(Set.of("heps-owner:alice", "heps-group:exp-1", "heps-user:bob"), desktop.accessTags());
    }

    @Test
    void aSiteCanNameAnotherNetworkOrUseFloatingAddresses() throws Exception {
        CloudServer server = server("img", Map.of(), Map.of("beamline-net", List.of("10.9.0.2")), "172.16.0.9");
        assertEquals("10.9.0.2", factory(new PropertiesEnvironment().set("heps-vm-network", "beamline-net"))
                .desktopFor(server).address());
        assertEquals("172.16.0.9", factory(new PropertiesEnvironment().set("heps-vm-use-floating-ip", "true"))
                .desktopFor(server).address());
        assertNull(factory(new PropertiesEnvironment()).desktopFor(server).address(), "no address on heps-vm-network");
    }

    @Test
    void theProtocolComesFromMetadataElseFromTheImageOsType() throws Exception {
        cloud.putImage(new CloudImage("win-img", "win", "active", Map.of("os_type", "windows"), Instant.EPOCH));
        cloud.putImage(new CloudImage("linux-img", "linux", "active", Map.of("os_type", "linux"), Instant.EPOCH));
        DesktopFactory factory = factory(new PropertiesEnvironment());
        assertEquals(DesktopProtocol.RDP, factory.desktopFor(server("win-img", Map.of(), Map.of(), null)).protocol());
        assertEquals(DesktopProtocol.VNC, factory.desktopFor(server("linux-img", Map.of(), Map.of(), null)).protocol());
        assertEquals(DesktopProtocol.RDP,
                factory.desktopFor(server("linux-img", Map.of("heps.protocol", "rdp"), Map.of(), null)).protocol());
        // Image properties are read once per image, not once per listing.
        int calls = cloud.imageCalls();
        factory.desktopFor(server("win-img", Map.of(), Map.of(), null));
        assertEquals(calls, cloud.imageCalls());
    }

    @Test
    void whenGlanceFailsTheDesktopDefaultsToVncAndTheImageIsAskedAgainLater() throws Exception {
        cloud.putImage(new CloudImage("win-img", "win", "active", Map.of("os_type", "windows"), Instant.EPOCH));
        DesktopFactory factory = factory(new PropertiesEnvironment());
        cloud.setDown(true);
        assertEquals(DesktopProtocol.VNC, factory.desktopFor(server("win-img", Map.of(), Map.of(), null)).protocol());
        cloud.setDown(false);
        assertEquals(DesktopProtocol.RDP, factory.desktopFor(server("win-img", Map.of(), Map.of(), null)).protocol());
    }

    @Test
    void theBeamlineAndTheEndOfTheWindowComeFromTheAgentsMetadata() throws Exception {
        DesktopFactory factory = factory(new PropertiesEnvironment());
        Desktop desktop = factory.desktopFor(server("img", Map.of("heps.protocol", "vnc", "heps.beamline", "nanoprobe",
                "heps.expires", "2026-12-01T20:00:00Z"), Map.of(), null));
        assertEquals("nanoprobe", desktop.beamline());
        assertEquals(Instant.parse("2026-12-01T20:00:00Z"), desktop.expiresAt());
        assertEquals(java.util.Optional.of("alice"), desktop.owner());

        Desktop unreadable = factory.desktopFor(server("img", Map.of("heps.protocol", "vnc", "heps.beamline", " ",
                "heps.expires", "next friday"), Map.of(), null));
        assertNull(unreadable.beamline());
        assertNull(unreadable.expiresAt(), "a window that cannot be read is not enforced");
        assertEquals(false, unreadable.expiredAt(Instant.MAX));
    }
}
