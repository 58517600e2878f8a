package cn.ac.ihep.heps.guacamole.resolver;

import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudSecurityGroup;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.CloudUnavailableException;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import cn.ac.ihep.heps.common.cloud.ImageUpload;
import cn.ac.ihep.heps.common.cloud.SecurityGroupRule;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import cn.ac.ihep.heps.common.cloud.ServerState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cloud edge for unit tests: servers in memory, Nova's tag filters applied, power
 * actions recorded, and a switch that makes every call fail as if Nova were down.
 * Integration tests use the OpenStack test bed instead.
 */
public final class InMemoryCloud implements CloudProvider {

    private final Map<String, CloudServer> servers = new ConcurrentHashMap<>();
    private final Map<String, CloudImage> images = new ConcurrentHashMap<>();
    private final List<String> actions = new CopyOnWriteArrayList<>();
    private final AtomicInteger listCalls = new AtomicInteger();
    private final AtomicInteger findCalls = new AtomicInteger();
    private final AtomicInteger imageCalls = new AtomicInteger();
    private volatile boolean down;
    private volatile CountDownLatch listGate;

    public static CloudServer server(String id, String name, ServerState state, String address, Set<String> tags,
            Map<String, String> metadata) {
        return new CloudServer(id, name, state, tags, metadata,
                address == null ? Map.of() : Map.of("heps-vm-network", List.of(address)),
                null, "flavor", "image-linux", null, Instant.EPOCH);
    }

    public void put(CloudServer server) {
        servers.put(server.id(), server);
    }

    public void remove(String id) {
        servers.remove(id);
    }

    public void putImage(CloudImage image) {
        images.put(image.id(), image);
    }

    public void setDown(boolean down) {
        this.down = down;
    }

    /** Makes listings wait until the returned latch is released, so tests can overlap callers. */
    public CountDownLatch holdListings() {
        CountDownLatch gate = new CountDownLatch(1);
        listGate = gate;
        return gate;
    }

    public int listCalls() {
        return listCalls.get();
    }

    public int findCalls() {
        return findCalls.get();
    }

    public int imageCalls() {
        return imageCalls.get();
    }

    public List<String> actions() {
        return List.copyOf(actions);
    }

    public CloudServer get(String id) {
        return servers.get(id);
    }

    private void checkUp() {
        if (down) {
            throw new CloudUnavailableException("Nova is not answering (test switch)", null);
        }
    }

    @Override
    public List<CloudServer> listServers(ServerQuery query) {
        listCalls.incrementAndGet();
        CountDownLatch gate = listGate;
        if (gate != null) {
            try {
                if (!gate.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("listing gate never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CloudUnavailableException("interrupted", e);
            }
        }
        checkUp();
        List<CloudServer> result = new ArrayList<>();
        for (CloudServer server : servers.values()) {
            boolean all = server.tags().containsAll(query.allTags());
            boolean any = query.anyTags().isEmpty() || query.anyTags().stream().anyMatch(server.tags()::contains);
            if (all && any) {
                result.add(server);
            }
        }
        return result;
    }

    @Override
    public Optional<CloudServer> findServer(String serverId) {
        findCalls.incrementAndGet();
        checkUp();
        return Optional.ofNullable(servers.get(serverId));
    }

    private void transition(String id, String action, Set<ServerState> from, ServerState to) {
        checkUp();
        actions.add(action + ":" + id);
        CloudServer server = servers.get(id);
        if (server == null) {
            throw new CloudNotFoundException("No server " + id);
        }
        if (!from.contains(server.state())) {
            throw new CloudException("Cannot " + action + " a server in state " + server.state() + " (409)");
        }
        servers.put(id, new CloudServer(server.id(), server.name(), to, server.tags(), server.metadata(),
                server.fixedAddresses(), server.floatingAddress(), server.flavorId(), server.imageId(),
                server.host(), server.created()));
    }

    @Override
    public void startServer(String serverId) {
        transition(serverId, "start", Set.of(ServerState.SHUTOFF), ServerState.ACTIVE);
    }

    @Override
    public void stopServer(String serverId) {
        transition(serverId, "stop", Set.of(ServerState.ACTIVE), ServerState.SHUTOFF);
    }

    @Override
    public void shelveServer(String serverId) {
        transition(serverId, "shelve", Set.of(ServerState.ACTIVE, ServerState.SHUTOFF), ServerState.SHELVED_OFFLOADED);
    }

    @Override
    public void unshelveServer(String serverId) {
        transition(serverId, "unshelve", Set.of(ServerState.SHELVED, ServerState.SHELVED_OFFLOADED), ServerState.ACTIVE);
    }

    @Override
    public void resumeServer(String serverId) {
        transition(serverId, "resume", Set.of(ServerState.SUSPENDED), ServerState.ACTIVE);
    }

    @Override
    public void unpauseServer(String serverId) {
        transition(serverId, "unpause", Set.of(ServerState.PAUSED), ServerState.ACTIVE);
    }

    @Override
    public void deleteServer(String serverId) {
        servers.remove(serverId);
    }

    @Override
    public CloudServer createServer(ServerRequest request) {
        throw new UnsupportedOperationException("The resolver never creates servers");
    }

    @Override
    public void setServerMetadata(String serverId, Map<String, String> metadata) {
        throw new UnsupportedOperationException("The resolver never writes metadata");
    }

    @Override
    public void setServerTags(String serverId, Set<String> tags) {
        throw new UnsupportedOperationException("The resolver never writes tags");
    }

    @Override
    public void rebootServer(String serverId) {
        throw new UnsupportedOperationException("The resolver never reboots a desktop");
    }

    @Override
    public String consoleOutput(String serverId, int lines) {
        throw new UnsupportedOperationException("The resolver never reads consoles");
    }

    @Override
    public String createSnapshot(String serverId, String imageName) {
        throw new UnsupportedOperationException("The resolver never snapshots");
    }

    @Override
    public List<CloudImage> listImages(Map<String, String> propertyFilter) {
        checkUp();
        return List.copyOf(images.values());
    }

    @Override
    public Optional<CloudImage> findImage(String imageId) {
        imageCalls.incrementAndGet();
        checkUp();
        return Optional.ofNullable(images.get(imageId));
    }

    @Override
    public void updateImageProperties(String imageId, Map<String, String> properties) {
        throw new UnsupportedOperationException("The resolver never writes images");
    }

    @Override
    public void deleteImage(String imageId) {
        throw new UnsupportedOperationException("The resolver never deletes images");
    }

    @Override
    public CloudImage uploadImage(ImageUpload image, Path data, Duration timeout) {
        throw new UnsupportedOperationException("The resolver never uploads images");
    }

    @Override
    public List<CloudFlavor> listFlavors() {
        return Collections.emptyList();
    }

    @Override
    public Optional<CloudFlavor> findFlavor(String idOrName) {
        return Optional.empty();
    }

    @Override
    public List<GpuInventory> gpuInventory() {
        return Collections.emptyList();
    }

    @Override
    public List<CloudSecurityGroup> findSecurityGroups(String name) {
        throw new UnsupportedOperationException("The resolver never reads security groups");
    }

    @Override
    public CloudSecurityGroup createSecurityGroup(String name, String description) {
        throw new UnsupportedOperationException("The resolver never writes security groups");
    }

    @Override
    public void deleteSecurityGroup(String groupId) {
        throw new UnsupportedOperationException("The resolver never writes security groups");
    }

    @Override
    public SecurityGroupRule addSecurityGroupRule(String groupId, SecurityGroupRule rule) {
        throw new UnsupportedOperationException("The resolver never writes security groups");
    }

    @Override
    public void deleteSecurityGroupRule(String ruleId) {
        throw new UnsupportedOperationException("The resolver never writes security groups");
    }

    @Override
    public void addServerSecurityGroup(String serverId, String group) {
        throw new UnsupportedOperationException("The resolver never writes security groups");
    }

    @Override
    public void removeServerSecurityGroup(String serverId, String group) {
        throw new UnsupportedOperationException("The resolver never writes security groups");
    }
}
