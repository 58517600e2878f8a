package cn.ac.ihep.heps.common.cloud;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What to boot.
 *
 * @param networkName the network that gives the server its fixed address
 * @param userData plain text (the provider encodes it), or null
 * @param targetHost a compute host to place the server on (admin only), or null to let Nova choose
 * @param securityGroups ids (or names) of the security groups its port joins; empty: the project's default group
 */
public record ServerRequest(
        String name,
        String imageId,
        String flavorId,
        String networkName,
        Set<String> tags,
        Map<String, String> metadata,
        String userData,
        String targetHost,
        List<String> securityGroups) {

    public ServerRequest {
        tags = Set.copyOf(tags);
        metadata = Map.copyOf(metadata);
        securityGroups = List.copyOf(securityGroups);
    }

    /** In the project's default security group. */
    public ServerRequest(String name, String imageId, String flavorId, String networkName, Set<String> tags,
            Map<String, String> metadata, String userData, String targetHost) {
        this(name, imageId, flavorId, networkName, tags, metadata, userData, targetHost, List.of());
    }
}
