package cn.ac.ihep.heps.bench.resolver;

import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudImage;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Nova for the login-storm harness: desktop servers in memory, a fixed latency per call
 * (a real listing of a few hundred servers takes that long), every API call counted, and a
 * switch to make it unreachable.
 */
final class SimulatedNova implements CloudProvider {

    private final Map<String, CloudServer> servers = new ConcurrentHashMap<>();
    private final Duration latency;
    private final AtomicInteger listCalls = new AtomicInteger();
    private final AtomicInteger otherCalls = new AtomicInteger();
    private volatile boolean down;

    SimulatedNova(Duration latency) {
        this.latency = latency;
    }

    void addDesktop(String id, String name, Set<String> accessTags) {
        Set<String> tags = new java.util.HashSet<>(accessTags);
        tags.add("heps-desktop");
        servers.put(id, new CloudServer(id, name, ServerState.ACTIVE, tags, Map.of("heps.protocol", "vnc"),
                Map.of("heps-vm-network", List.of("10.8." + (servers.size() / 250) + "." + (servers.size() % 250))),
                null, "gpu.large", "image", null, Instant.EPOCH));
    }

    void setDown(boolean down) {
        this.down = down;
    }

    int listCalls() {
        return listCalls.get();
    }

    int otherCalls() {
        return otherCalls.get();
    }

    int totalCalls() {
        return listCalls.get() + otherCalls.get();
    }

    private void call() {
        try {
            Thread.sleep(latency.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (down) {
            throw new CloudUnavailableException("Nova is unreachable (simulated)", null);
        }
    }

    @Override
    public List<CloudServer> listServers(ServerQuery query) {
        listCalls.incrementAndGet();
        call();
        List<CloudServer> result = new ArrayList<>();
        for (CloudServer server : servers.values()) {
            if (server.tags().containsAll(query.allTags())
                    && (query.anyTags().isEmpty() || query.anyTags().stream().anyMatch(server.tags()::contains))) {
                result.add(server);
            }
        }
        return result;
    }

    @Override
    public Optional<CloudServer> findServer(String serverId) {
        otherCalls.incrementAndGet();
        call();
        return Optional.ofNullable(servers.get(serverId));
    }

    @Override
    public Optional<CloudImage> findImage(String imageId) {
        otherCalls.incrementAndGet();
        call();
        return Optional.empty();
    }

    private UnsupportedOperationException notUsed() {
        otherCalls.incrementAndGet();
        return new UnsupportedOperationException("not used by the resolver's login path");
    }

    @Override public CloudServer createServer(ServerRequest request) { throw notUsed(); }
    @Override public void startServer(String serverId) { throw notUsed(); }
    @Override public void stopServer(String serverId) { throw notUsed(); }
    @Override public void shelveServer(String serverId) { throw notUsed(); }
    @Override public void unshelveServer(String serverId) { throw notUsed(); }
    @Override public void resumeServer(String serverId) { throw notUsed(); }
    @Override public void unpauseServer(String serverId) { throw notUsed(); }
    @Override public void deleteServer(String serverId) { throw notUsed(); }
    @Override public void setServerMetadata(String serverId, Map<String, String> metadata) { throw notUsed(); }
    @Override public void setServerTags(String serverId, Set<String> tags) { throw notUsed(); }
    @Override public void rebootServer(String serverId) { throw notUsed(); }
    @Override public String consoleOutput(String serverId, int lines) { throw notUsed(); }
    @Override public String createSnapshot(String serverId, String imageName) { throw notUsed(); }
    @Override public List<CloudImage> listImages(Map<String, String> propertyFilter) { throw notUsed(); }
    @Override public void updateImageProperties(String imageId, Map<String, String> properties) { throw notUsed(); }
    @Override public void deleteImage(String imageId) { throw notUsed(); }
    @Override public CloudImage uploadImage(ImageUpload image, Path data, Duration timeout) { throw notUsed(); }
    @Override public List<CloudFlavor> listFlavors() { throw notUsed(); }
    @Override public Optional<CloudFlavor> findFlavor(String idOrName) { throw notUsed(); }
    @Override public List<GpuInventory> gpuInventory() { throw notUsed(); }
    @Override public List<CloudSecurityGroup> findSecurityGroups(String name) { throw notUsed(); }
    @Override public CloudSecurityGroup createSecurityGroup(String name, String description) { throw notUsed(); }
    @Override public void deleteSecurityGroup(String groupId) { throw notUsed(); }
    @Override public SecurityGroupRule addSecurityGroupRule(String groupId, SecurityGroupRule rule) { throw notUsed(); }
    @Override public void deleteSecurityGroupRule(String ruleId) { throw notUsed(); }
    @Override public void addServerSecurityGroup(String serverId, String group) { throw notUsed(); }
    @Override public void removeServerSecurityGroup(String serverId, String group) { throw notUsed(); }
}
