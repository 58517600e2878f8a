package cn.ac.ihep.heps.guacamole.resolver.index;

import cn.ac.ihep.heps.common.cloud.CloudFlavor;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudSecurityGroup;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.GpuInventory;
import cn.ac.ihep.heps.common.cloud.ImageUpload;
import cn.ac.ihep.heps.common.cloud.SecurityGroupRule;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.cloud.ServerRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Passes every call on; tests override the one they want to change. */
class ForwardingCloud implements CloudProvider {

    private final CloudProvider delegate;

    ForwardingCloud(CloudProvider delegate) {
        this.delegate = delegate;
    }

    @Override public List<CloudServer> listServers(ServerQuery query) { return delegate.listServers(query); }
    @Override public Optional<CloudServer> findServer(String serverId) { return delegate.findServer(serverId); }
    @Override public CloudServer createServer(ServerRequest request) { return delegate.createServer(request); }
    @Override public void startServer(String serverId) { delegate.startServer(serverId); }
    @Override public void stopServer(String serverId) { delegate.stopServer(serverId); }
    @Override public void shelveServer(String serverId) { delegate.shelveServer(serverId); }
    @Override public void unshelveServer(String serverId) { delegate.unshelveServer(serverId); }
    @Override public void resumeServer(String serverId) { delegate.resumeServer(serverId); }
    @Override public void unpauseServer(String serverId) { delegate.unpauseServer(serverId); }
    @Override public void deleteServer(String serverId) { delegate.deleteServer(serverId); }
    @Override public void setServerMetadata(String serverId, Map<String, String> metadata) { delegate.setServerMetadata(serverId, metadata); }
    @Override public void setServerTags(String serverId, java.util.Set<String> tags) { delegate.setServerTags(serverId, tags); }
    @Override public void rebootServer(String serverId) { delegate.rebootServer(serverId); }
    @Override public String consoleOutput(String serverId, int lines) { return delegate.consoleOutput(serverId, lines); }
    @Override public String createSnapshot(String serverId, String imageName) { return delegate.createSnapshot(serverId, imageName); }
    @Override public List<CloudImage> listImages(Map<String, String> propertyFilter) { return delegate.listImages(propertyFilter); }
    @Override public Optional<CloudImage> findImage(String imageId) { return delegate.findImage(imageId); }
    @Override public void updateImageProperties(String imageId, Map<String, String> properties) { delegate.updateImageProperties(imageId, properties); }
    @Override public void deleteImage(String imageId) { delegate.deleteImage(imageId); }
    @Override public CloudImage uploadImage(ImageUpload image, Path data, Duration timeout) { return delegate.uploadImage(image, data, timeout); }
    @Override public List<CloudFlavor> listFlavors() { return delegate.listFlavors(); }
    @Override public Optional<CloudFlavor> findFlavor(String idOrName) { return delegate.findFlavor(idOrName); }
    @Override public List<GpuInventory> gpuInventory() { return delegate.gpuInventory(); }
    @Override public List<CloudSecurityGroup> findSecurityGroups(String name) { return delegate.findSecurityGroups(name); }
    @Override public CloudSecurityGroup createSecurityGroup(String name, String description) { return delegate.createSecurityGroup(name, description); }
    @Override public void deleteSecurityGroup(String groupId) { delegate.deleteSecurityGroup(groupId); }
    @Override public SecurityGroupRule addSecurityGroupRule(String groupId, SecurityGroupRule rule) { return delegate.addSecurityGroupRule(groupId, rule); }
    @Override public void deleteSecurityGroupRule(String ruleId) { delegate.deleteSecurityGroupRule(ruleId); }
    @Override public void addServerSecurityGroup(String serverId, String group) { delegate.addServerSecurityGroup(serverId, group); }
    @Override public void removeServerSecurityGroup(String serverId, String group) { delegate.removeServerSecurityGroup(serverId, group); }
}
