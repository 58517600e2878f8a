package cn.ac.ihep.heps.common.cloud;

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

    void setServerMetadata(String serverId, Map<String, String> metadata);

    /** The last lines of the server's console log. */
    String consoleOutput(String serverId, int lines);

    // Images

    /** Snapshots a server into a new image and returns the image id. */
    String createSnapshot(String serverId, String imageName);

    List<CloudImage> listImages(Map<String, String> propertyFilter);

    Optional<CloudImage> findImage(String imageId);

    void updateImageProperties(String imageId, Map<String, String> properties);

    void deleteImage(String imageId);

    // Flavors and GPUs

    List<CloudFlavor> listFlavors();

    Optional<CloudFlavor> findFlavor(String idOrName);

    /** GPU inventory and usage per compute host, from Placement. */
    List<GpuInventory> gpuInventory();
}
