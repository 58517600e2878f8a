package cn.ac.ihep.heps.agent.images;

import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudSecurityGroup;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import cn.ac.ihep.heps.common.cloud.ImageUpload;
import cn.ac.ihep.heps.common.cloud.SecurityGroupRule;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import cn.ac.ihep.heps.common.cloud.ServerState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiConsumer;

/**
 * The cloud edge isolated for the pipeline's unit tests: Nova and Glance state as the fake
 * hypervisor leaves it (servers go ACTIVE, the console says only "FAKE CONSOLE OUTPUT",
 * snapshots go from queued to active). The OpenStack test bed covers the real thing in
 * {@code ImageBuildIT}.
 */
public final class InMemoryCloud implements CloudProvider {

    public final Map<String, CloudServer> servers = new LinkedHashMap<>();
    public final Map<String, String> userData = new HashMap<>();
    public final Map<String, CloudImage> images = new LinkedHashMap<>();
    public final List<CloudFlavor> flavors = new ArrayList<>(List.of(new CloudFlavor("f-1", "m1.builder", 4, 8192, 80, Map.of())));
    /** Plays the guest once a server is ACTIVE: (server, user data). */
    public BiConsumer<CloudServer, String> guest = (server, data) -> { };
    private Instant clock = Instant.parse("2026-11-25T08:00:00Z");

    public String addImage(String name, String status, Map<String, String> properties) {
        String id = UUID.randomUUID().toString();
        clock = clock.plusSeconds(60);
        images.put(id, new CloudImage(id, name, status, properties, clock));
        return id;
    }

    public String addServer(String name, java.util.Set<String> tags, Map<String, String> metadata, String imageId) {
        String id = UUID.randomUUID().toString();
        servers.put(id, new CloudServer(id, name, ServerState.ACTIVE, tags, metadata, Map.of(), null, "f-1", imageId, null, clock));
        return id;
    }

    @Override
    public synchronized List<CloudServer> listServers(ServerQuery query) {
        return servers.values().stream().filter(server -> server.tags().containsAll(query.allTags()))
                .filter(server -> query.anyTags().isEmpty() || query.anyTags().stream().anyMatch(server.tags()::contains))
                .toList();
    }

    @Override
    public Optional<CloudServer> findServer(String serverId) {
        CloudServer server;
        synchronized (this) {
            server = servers.get(serverId);
            if (server == null) {
                return Optional.empty();
            }
            if (server.state() == ServerState.BUILDING) {
                server = withState(server, ServerState.ACTIVE);
                servers.put(serverId, server);
                CloudServer booted = server;
                String data = userData.get(serverId);
                guest.accept(booted, data);
                server = servers.get(serverId);
            }
        }
        return Optional.ofNullable(server);
    }

    @Override
    public synchronized CloudServer createServer(ServerRequest request) {
        if (!images.containsKey(request.imageId())) {
            throw new CloudNotFoundException("No image " + request.imageId());
        }
        if (!"active".equals(images.get(request.imageId()).status())) {
            throw new cn.ac.ihep.heps.common.cloud.CloudException("Image " + request.imageId() + " is not active");
        }
        String id = UUID.randomUUID().toString();
        CloudServer server = new CloudServer(id, request.name(), ServerState.BUILDING, request.tags(), request.metadata(),
                Map.of(), null, request.flavorId(), request.imageId(), null, Instant.now());
        servers.put(id, server);
        userData.put(id, request.userData());
        return server;
    }

    @Override
    public synchronized void stopServer(String serverId) {
        servers.put(serverId, withState(existing(serverId), ServerState.SHUTOFF));
    }

    @Override
    public void startServer(String serverId) {
        throw new UnsupportedOperationException("not used by image builds");
    }

    @Override
    public void shelveServer(String serverId) {
        throw new UnsupportedOperationException("not used by image builds");
    }

    @Override
    public void unshelveServer(String serverId) {
        throw new UnsupportedOperationException("not used by image builds");
    }

    @Override
    public void resumeServer(String serverId) {
        throw new UnsupportedOperationException("not used by image builds");
    }

    @Override
    public void unpauseServer(String serverId) {
        throw new UnsupportedOperationException("not used by image builds");
    }

    @Override
    public synchronized void deleteServer(String serverId) {
        existing(serverId);
        servers.remove(serverId);
    }

    @Override
    public void setServerTags(String serverId, java.util.Set<String> tags) {
        throw new UnsupportedOperationException("not used by image builds");
    }

    @Override
    public void rebootServer(String serverId) {
        throw new UnsupportedOperationException("not used by image builds");
    }

    @Override
    public synchronized void setServerMetadata(String serverId, Map<String, String> metadata) {
        CloudServer server = existing(serverId);
        Map<String, String> merged = new HashMap<>(server.metadata());
        merged.putAll(metadata);
        servers.put(serverId, new CloudServer(server.id(), server.name(), server.state(), server.tags(), merged,
                server.fixedAddresses(), server.floatingAddress(), server.flavorId(), server.imageId(), server.host(), server.created()));
    }

    @Override
    public synchronized String consoleOutput(String serverId, int lines) {
        existing(serverId);
        return "FAKE CONSOLE OUTPUT\nANOTHER\nLAST LINE";
    }

    @Override
    public synchronized String createSnapshot(String serverId, String imageName) {
        existing(serverId);
        return addImage(imageName, "queued", Map.of("image_type", "snapshot", "instance_uuid", serverId));
    }

    @Override
    public synchronized List<CloudImage> listImages(Map<String, String> propertyFilter) {
        return images.values().stream().filter(image -> propertyFilter.entrySet().stream().allMatch(filter ->
                filter.getKey().equals("name") ? filter.getValue().equals(image.name())
                        : filter.getValue().equals(image.properties().get(filter.getKey())))).toList();
    }

    @Override
    public synchronized Optional<CloudImage> findImage(String imageId) {
        CloudImage image = images.get(imageId);
        if (image != null && "queued".equals(image.status())) {
            // Glance stores the upload between two looks.
            images.put(imageId, new CloudImage(image.id(), image.name(), "active", image.properties(), image.created()));
            return Optional.of(image);
        }
        return Optional.ofNullable(image);
    }

    @Override
    public synchronized void updateImageProperties(String imageId, Map<String, String> properties) {
        CloudImage image = images.get(imageId);
        if (image == null) {
            throw new CloudNotFoundException("No image " + imageId);
        }
        Map<String, String> merged = new HashMap<>(image.properties());
        merged.putAll(properties);
        images.put(imageId, new CloudImage(image.id(), image.name(), image.status(), merged, image.created()));
    }

    /** Every upload, in order: the image and the bytes of its file. */
    public final List<Map.Entry<ImageUpload, byte[]>> uploads = new ArrayList<>();
    /** Runs once each upload is active, as another operator's work finishing meanwhile would. */
    public Runnable afterUpload = () -> { };

    @Override
    public synchronized CloudImage uploadImage(ImageUpload image, Path data, Duration timeout) {
        try {
            uploads.add(Map.entry(image, Files.readAllBytes(data)));
        } catch (IOException e) {
            throw new cn.ac.ihep.heps.common.cloud.CloudException("Cannot upload image " + image.name() + ": " + e, e);
        }
        String id = addImage(image.name(), "active", image.properties());
        afterUpload.run();
        return images.get(id);
    }

    @Override
    public synchronized void deleteImage(String imageId) {
        if (images.remove(imageId) == null) {
            throw new CloudNotFoundException("No image " + imageId);
        }
    }

    @Override
    public List<CloudFlavor> listFlavors() {
        return List.copyOf(flavors);
    }

    @Override
    public Optional<CloudFlavor> findFlavor(String idOrName) {
        return flavors.stream().filter(flavor -> flavor.id().equals(idOrName) || flavor.name().equals(idOrName)).findFirst();
    }

    @Override
    public List<GpuInventory> gpuInventory() {
        return List.of();
    }

    // Builder VMs stay in the project's default security group: the image pipeline manages none.

    @Override
    public List<CloudSecurityGroup> findSecurityGroups(String name) {
        throw new UnsupportedOperationException("image builds use no security groups");
    }

    @Override
    public CloudSecurityGroup createSecurityGroup(String name, String description) {
        throw new UnsupportedOperationException("image builds use no security groups");
    }

    @Override
    public void deleteSecurityGroup(String groupId) {
        throw new UnsupportedOperationException("image builds use no security groups");
    }

    @Override
    public SecurityGroupRule addSecurityGroupRule(String groupId, SecurityGroupRule rule) {
        throw new UnsupportedOperationException("image builds use no security groups");
    }

    @Override
    public void deleteSecurityGroupRule(String ruleId) {
        throw new UnsupportedOperationException("image builds use no security groups");
    }

    @Override
    public void addServerSecurityGroup(String serverId, String group) {
        throw new UnsupportedOperationException("image builds use no security groups");
    }

    @Override
    public void removeServerSecurityGroup(String serverId, String group) {
        throw new UnsupportedOperationException("image builds use no security groups");
    }

    private CloudServer existing(String serverId) {
        CloudServer server = servers.get(serverId);
        if (server == null) {
            throw new CloudNotFoundException("No server " + serverId);
        }
        return server;
    }

    private static CloudServer withState(CloudServer server, ServerState state) {
        return new CloudServer(server.id(), server.name(), state, server.tags(), server.metadata(), server.fixedAddresses(),
                server.floatingAddress(), server.flavorId(), server.imageId(), server.host(), server.created());
    }
}
