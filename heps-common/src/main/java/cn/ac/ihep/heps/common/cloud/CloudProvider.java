package cn.ac.ihep.heps.common.cloud;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the project asks of the cloud. Business code sees only this interface and
 * the records beside it; the OpenStack implementation keeps openstack4j to itself.
 *
 * <p>Every method may throw {@link CloudUnavailableException} when the cloud is down or
 * slow, and {@link CloudException} when it refuses a request.
 */
public interface CloudProvider {

    // Servers

    List<CloudServer> listServers(ServerQuery query);

    Optional<CloudServer> findServer(String serverId);

    /** Submits the boot request and returns at once; the server is usually still BUILDING. */
    CloudServer createServer(ServerRequest request);

    void startServer(String serverId);

    void stopServer(String serverId);

    void shelveServer(String serverId);

    void unshelveServer(String serverId);

    void resumeServer(String serverId);

    void unpauseServer(String serverId);

    void deleteServer(String serverId);

    /** Adds or changes the given metadata keys; keys not named keep their values. */
    void setServerMetadata(String serverId, Map<String, String> metadata);

    /**
     * Replaces every tag of the server with these, in one call and without touching the server
     * itself (a running desktop keeps running).
     */
    void setServerTags(String serverId, java.util.Set<String> tags);

    /** A soft reboot: the guest is asked to restart, as its own restart menu would. */
    void rebootServer(String serverId);

    /** The last lines of the server's console log. */
    String consoleOutput(String serverId, int lines);

    // Images

    /** Snapshots a server into a new image and returns the image id. */
    String createSnapshot(String serverId, String imageName);

    List<CloudImage> listImages(Map<String, String> propertyFilter);

    Optional<CloudImage> findImage(String imageId);

    void updateImageProperties(String imageId, Map<String, String> properties);

    void deleteImage(String imageId);

    /**
     * Creates an image, streams the file {@code data} into it and waits until it is active, all
     * within {@code timeout}. When a step fails, times out or is interrupted, the half-made image is
     * deleted before the exception is thrown, so nothing is left behind.
     *
     * @return the active image
     */
    CloudImage uploadImage(ImageUpload image, Path data, Duration timeout);

    // Security groups, in the provider's own project

    /** The project's security groups with this name (normally one), each with its rules, oldest first. */
    List<CloudSecurityGroup> findSecurityGroups(String name);

    /** A new group; clouds give it their usual starting rules (OpenStack: egress anywhere, IPv4 and IPv6). */
    CloudSecurityGroup createSecurityGroup(String name, String description);

    void deleteSecurityGroup(String groupId);

    /** Adds a rule to a group and returns it with its id. */
    SecurityGroupRule addSecurityGroupRule(String groupId, SecurityGroupRule rule);

    void deleteSecurityGroupRule(String ruleId);

    /** Puts every port of a server into a security group (by id or name) while it runs or sleeps: no reboot. */
    void addServerSecurityGroup(String serverId, String group);

    /** Takes every port of a server out of a security group (by id or name). */
    void removeServerSecurityGroup(String serverId, String group);

    // Flavors and GPUs

    List<CloudFlavor> listFlavors();

    Optional<CloudFlavor> findFlavor(String idOrName);

    /** GPU inventory and usage per compute host, from Placement. */
    List<GpuInventory> gpuInventory();
}
