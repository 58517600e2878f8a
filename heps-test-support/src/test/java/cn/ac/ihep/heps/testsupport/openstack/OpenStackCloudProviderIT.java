package cn.ac.ihep.heps.testsupport.openstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudSecurityGroup;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import cn.ac.ihep.heps.common.cloud.IpNetwork;
import cn.ac.ihep.heps.common.cloud.SecurityGroupRule;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.testsupport.time.Eventually;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every CloudProvider method against the test bed, including the refusals. */
class OpenStackCloudProviderIT {

    private static final Duration BOOT = Duration.ofSeconds(120);
    private static final String MISSING = "00000000-0000-0000-0000-000000000000";

    private final OpenStackTestBed bed = OpenStackTestBed.find();
    private final CloudProvider provider = bed.provider();
    private final CloudProvider admin = bed.adminProvider();
    private final List<String> servers = new ArrayList<>();
    private final List<String> images = new ArrayList<>();
    private final String owner = "heps-owner:it-" + UUID.randomUUID();

    @AfterEach
    void cleanUp() {
        servers.forEach(id -> ignoreMissing(() -> admin.deleteServer(id)));
        images.forEach(id -> ignoreMissing(() -> admin.deleteImage(id)));
    }

    @Test
    void serversAreCreatedWithTagsFoundByTagAndGetAFixedAddress() {
        String group = "heps-group:it-" + UUID.randomUUID();
        CloudServer created = create(Set.of(owner, "heps-desktop", group), Map.of("heps.protocol", "vnc"), "#cloud-config\n");
        assertEquals(Set.of(owner, "heps-desktop", group), created.tags(), "tags are there from the first moment");
        assertEquals("vnc", created.metadata("heps.protocol").orElseThrow());

        assertEquals(List.of(created.id()), ids(provider.listServers(ServerQuery.withTag(owner))));
        assertEquals(List.of(created.id()),
                ids(provider.listServers(ServerQuery.withTagAndAnyOf("heps-desktop", Set.of(group, "heps-group:none")))));
        assertTrue(provider.listServers(ServerQuery.withTagAndAnyOf(owner, Set.of("heps-group:none"))).isEmpty());

        CloudServer active = awaitState(created.id(), ServerState.ACTIVE);
        String address = active.fixedAddressOn(OpenStackTestBed.NETWORK).orElseThrow();
        assertTrue(address.startsWith("10.42."), "fixed IPv4 from heps-vm-network: " + address);
        assertEquals(bed.provider().findFlavor(OpenStackTestBed.CPU_FLAVOR).orElseThrow().id(), active.flavorId());
    }

    @Test
    void metadataConsoleAndRefusedActions() {
        CloudServer server = awaitState(create(Set.of(owner), Map.of(), null).id(), ServerState.ACTIVE);
        provider.setServerMetadata(server.id(), Map.of("heps.expires", "2030-01-01T00:00:00Z"));
        assertEquals("2030-01-01T00:00:00Z", provider.findServer(server.id()).orElseThrow().metadata("heps.expires").orElseThrow());
        assertTrue(provider.consoleOutput(server.id(), 10).contains("FAKE CONSOLE OUTPUT"));

        CloudException notPaused = assertThrows(CloudException.class, () -> provider.unpauseServer(server.id()));
        assertTrue(notPaused.getMessage().contains("409"), notPaused.getMessage());
        assertThrows(CloudException.class, () -> provider.resumeServer(server.id()));

        provider.deleteServer(server.id());
        Eventually.await("server to be gone", BOOT, () -> provider.findServer(server.id()), Optional::isEmpty);
    }

    @Test
    void tagsOfARunningServerAreReplacedWithoutTouchingItAndItReboots() {
        CloudServer server = awaitState(create(Set.of(owner, "heps-desktop", "heps-group:it-exp"), Map.of(), null).id(),
                ServerState.ACTIVE);
        Set<String> retagged = Set.of(owner, "heps-desktop", "heps-user:it-support");
        provider.setServerTags(server.id(), retagged);
        CloudServer after = provider.findServer(server.id()).orElseThrow();
        assertEquals(retagged, after.tags(), "the whole set is replaced: the group tag is gone");
        assertEquals(ServerState.ACTIVE, after.state(), "the server keeps running");
        assertEquals(server.created(), after.created(), "the same server, not a new one");
        assertEquals(List.of(server.id()), ids(provider.listServers(ServerQuery.withTag("heps-user:it-support"))));
        assertTrue(provider.listServers(ServerQuery.withTag("heps-group:it-exp")).stream()
                .noneMatch(s -> s.id().equals(server.id())));

        provider.rebootServer(server.id());
        awaitState(server.id(), ServerState.ACTIVE);
        assertThrows(CloudNotFoundException.class, () -> provider.setServerTags(MISSING, Set.of(owner)));
        assertThrows(CloudNotFoundException.class, () -> provider.rebootServer(MISSING));
        CloudException tooLong = assertThrows(CloudException.class,
                () -> provider.setServerTags(server.id(), Set.of("heps-user:" + "x".repeat(60))));
        assertTrue(tooLong.getMessage().contains("400"), tooLong.getMessage());
        assertEquals(retagged, provider.findServer(server.id()).orElseThrow().tags(), "a refused change changes nothing");
    }

    @Test
    void unknownServersAreNotFound() {
        assertTrue(provider.findServer(MISSING).isEmpty());
        assertThrows(CloudNotFoundException.class, () -> provider.startServer(MISSING));
        assertThrows(CloudNotFoundException.class, () -> provider.deleteServer(MISSING));
        assertThrows(CloudNotFoundException.class, () -> provider.setServerMetadata(MISSING, Map.of("a", "b")));
        assertThrows(CloudNotFoundException.class, () -> provider.consoleOutput(MISSING, 5));
        CloudNotFoundException noNetwork = assertThrows(CloudNotFoundException.class, () -> provider.createServer(
                new ServerRequest("it", linuxImage().id(), cpuFlavor().id(), "no-such-network", Set.of(), Map.of(), null, null)));
        assertTrue(noNetwork.getMessage().contains("no-such-network"));
    }

    @Test
    void theAdminPlacesAServerOnAChosenHost() {
        for (String host : OpenStackTestBed.COMPUTE_HOSTS) {
            CloudServer server = admin.createServer(new ServerRequest("it-host", linuxImage().id(), cpuFlavor().id(),
                    OpenStackTestBed.NETWORK, Set.of(owner), Map.of(), null, host));
            servers.add(server.id());
            assertEquals(host, Eventually.await("server to land", BOOT, () -> admin.findServer(server.id()).orElseThrow(),
                    s -> s.state() == ServerState.ACTIVE).host());
        }
    }

    @Test
    void snapshotsAndImageProperties() {
        CloudServer server = awaitState(create(Set.of(owner), Map.of(), null).id(), ServerState.ACTIVE);
        String imageId = provider.createSnapshot(server.id(), "it-snapshot-" + UUID.randomUUID());
        images.add(imageId);
        Eventually.await("snapshot " + imageId + " to be active", BOOT,
                () -> provider.findImage(imageId).map(CloudImage::status).orElse("missing"), "active"::equals);
        provider.updateImageProperties(imageId, Map.of("heps_beamline", "B1", "heps_recipe", "it"));
        provider.updateImageProperties(imageId, Map.of("heps_beamline", "B2"));
        CloudImage image = provider.findImage(imageId).orElseThrow();
        assertEquals("B2", image.property("heps_beamline").orElseThrow());
        assertEquals("it", image.property("heps_recipe").orElseThrow());
        assertTrue(provider.listImages(Map.of("heps_beamline", "B2")).stream().anyMatch(i -> i.id().equals(imageId)));
        assertThrows(CloudException.class, () -> provider.updateImageProperties(imageId, Map.of("name", "x")));
        assertEquals("B2", provider.findImage(imageId).orElseThrow().property("heps_beamline").orElseThrow(),
                "a refused update changes nothing");

        provider.deleteImage(imageId);
        assertTrue(provider.findImage(imageId).isEmpty());
        assertThrows(CloudNotFoundException.class, () -> provider.updateImageProperties(imageId, Map.of("a", "b")));
        assertThrows(CloudNotFoundException.class, () -> provider.createSnapshot(MISSING, "x"));
    }

    @Test
    void baseImagesByOsType() {
        List<CloudImage> linux = provider.listImages(Map.of("os_type", "linux"));
        assertTrue(linux.stream().anyMatch(i -> i.name().equals(OpenStackTestBed.LINUX_IMAGE)));
        assertTrue(linux.stream().allMatch(i -> "linux".equals(i.property("os_type").orElse(null))));
        CloudImage windows = provider.listImages(Map.of("os_type", "windows")).stream()
                .filter(i -> i.name().equals(OpenStackTestBed.WINDOWS_IMAGE)).findFirst().orElseThrow();
        assertEquals("active", windows.status());
        assertEquals(windows, provider.findImage(windows.id()).orElseThrow());
        assertTrue(provider.findImage(MISSING).isEmpty());
    }

    @Test
    void flavorsWithTheirGpus() {
        List<CloudFlavor> flavors = provider.listFlavors();
        assertEquals(0, flavor(flavors, OpenStackTestBed.CPU_FLAVOR).gpuCount());
        assertEquals(1, flavor(flavors, OpenStackTestBed.ONE_GPU_FLAVOR).gpuCount());
        CloudFlavor two = flavor(flavors, OpenStackTestBed.TWO_GPU_FLAVOR);
        assertEquals(2, two.gpuCount());
        assertEquals(two, provider.findFlavor(two.id()).orElseThrow());
        assertEquals(two, provider.findFlavor(OpenStackTestBed.TWO_GPU_FLAVOR).orElseThrow());
        assertTrue(provider.findFlavor("no-such-flavor").isEmpty());
    }

    @Test
    void securityGroupsTheirRulesAndServersInAndOutOfThem() {
        String name = "it-sg-" + UUID.randomUUID().toString().substring(0, 8);
        CloudSecurityGroup group = provider.createSecurityGroup(name, "integration test");
        try {
            assertEquals(name, group.name());
            assertTrue(group.rules().stream().anyMatch(r -> r.admitsSameAs(SecurityGroupRule.egressAnywhere(4))),
                    "Neutron gives a new group egress anywhere: " + group.rules());
            SecurityGroupRule vnc = SecurityGroupRule.ingressTcp(5900, IpNetwork.parse("10.42.0.1/32"));
            SecurityGroupRule added = provider.addSecurityGroupRule(group.id(), vnc);
            assertTrue(added.admitsSameAs(vnc), added.toString());
            CloudException twice = assertThrows(CloudException.class, () -> provider.addSecurityGroupRule(group.id(), vnc));
            assertTrue(twice.getMessage().contains("409"), twice.getMessage());
            CloudSecurityGroup found = provider.findSecurityGroups(name).get(0);
            assertEquals(group.id(), found.id());
            assertTrue(found.rules().stream().anyMatch(r -> r.id().equals(added.id()) && r.admitsSameAs(vnc)));
            assertTrue(admin.findSecurityGroups(name).isEmpty(), "the admin's token is scoped to another project");

            CloudServer server = awaitState(create(Set.of(owner), Map.of(), null).id(), ServerState.ACTIVE);
            assertEquals(Set.of("default"), server.securityGroups());
            provider.addServerSecurityGroup(server.id(), group.id());
            provider.removeServerSecurityGroup(server.id(), "default");
            assertEquals(Set.of(name), provider.findServer(server.id()).orElseThrow().securityGroups());
            CloudException inUse = assertThrows(CloudException.class, () -> provider.deleteSecurityGroup(group.id()));
            assertTrue(inUse.getMessage().contains("409"), inUse.getMessage());
            assertThrows(CloudNotFoundException.class, () -> provider.addServerSecurityGroup(server.id(), "no-such-group"));
            assertThrows(CloudNotFoundException.class, () -> provider.addServerSecurityGroup(MISSING, group.id()));

            provider.deleteSecurityGroupRule(added.id());
            assertThrows(CloudNotFoundException.class, () -> provider.deleteSecurityGroupRule(added.id()));
            assertTrue(provider.findSecurityGroups(name).get(0).rules().stream().noneMatch(r -> r.admitsSameAs(vnc)));
            provider.deleteServer(server.id());
            Eventually.await("server to be gone", BOOT, () -> provider.findServer(server.id()), Optional::isEmpty);
        } finally {
            // The deleted server's port goes a moment after Nova forgets the server.
            Eventually.await("the group to be deleted", Duration.ofSeconds(30), () -> {
                try {
                    provider.deleteSecurityGroup(group.id());
                    return true;
                } catch (CloudNotFoundException gone) {
                    return true;
                } catch (CloudException inUse) {
                    return false;
                }
            }, deleted -> deleted);
        }
        assertTrue(provider.findSecurityGroups(name).isEmpty());
        assertThrows(CloudNotFoundException.class, () -> provider.deleteSecurityGroup(group.id()));
    }

    @Test
    void gpuInventoryPerHost() {
        List<GpuInventory> inventory = admin.gpuInventory();
        assertEquals(List.of(OpenStackTestBed.COMPUTE_HOSTS), inventory.stream().map(GpuInventory::host).toList());
        for (GpuInventory row : inventory) {
            assertEquals(OpenStackTestBed.GPU_RESOURCE_CLASS, row.resourceClass());
            assertEquals(3, row.total());
            assertTrue(row.used() >= 0 && row.used() <= 3, row.toString());
        }
        CloudException refused = assertThrows(CloudException.class, provider::gpuInventory,
                "Placement's default policy is admin only");
        assertTrue(refused.getMessage().contains("403"), refused.getMessage());
    }

    private CloudServer create(Set<String> tags, Map<String, String> metadata, String userData) {
        CloudServer server = provider.createServer(new ServerRequest("it-" + UUID.randomUUID().toString().substring(0, 8),
                linuxImage().id(), cpuFlavor().id(), OpenStackTestBed.NETWORK, tags, metadata, userData, null));
        servers.add(server.id());
        return server;
    }

    private CloudServer awaitState(String id, ServerState state) {
        return Eventually.await("server " + id + " to be " + state, BOOT, () -> provider.findServer(id).orElseThrow(),
                s -> {
                    assertFalse(s.state() == ServerState.ERROR, "server went to ERROR: " + s);
                    return s.state() == state;
                });
    }

    private CloudImage linuxImage() {
        return provider.listImages(Map.of("name", OpenStackTestBed.LINUX_IMAGE)).get(0);
    }

    private CloudFlavor cpuFlavor() {
        return provider.findFlavor(OpenStackTestBed.CPU_FLAVOR).orElseThrow();
    }

    private static CloudFlavor flavor(List<CloudFlavor> flavors, String name) {
        return flavors.stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no flavor " + name));
    }

    private static List<String> ids(List<CloudServer> servers) {
        return servers.stream().map(CloudServer::id).toList();
    }

    private static void ignoreMissing(Runnable cleanup) {
        try {
            cleanup.run();
        } catch (CloudNotFoundException gone) {
            // already deleted by the test
        }
    }
}
