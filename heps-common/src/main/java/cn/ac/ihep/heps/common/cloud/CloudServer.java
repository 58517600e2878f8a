package cn.ac.ihep.heps.common.cloud;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A server as the rest of the project sees it; no OpenStack model type leaves the provider.
 *
 * @param fixedAddresses fixed IPv4 addresses by network name
 * @param floatingAddress a floating IPv4 address, or null
 * @param host the compute host (visible to admins only, else null)
 * @param securityGroups the names of the security groups its ports are in, as Nova reports them
 */
public record CloudServer(
        String id,
        String name,
        ServerState state,
        Set<String> tags,
        Map<String, String> metadata,
        Map<String, List<String>> fixedAddresses,
        String floatingAddress,
        String flavorId,
        String imageId,
        String host,
        Instant created,
        Set<String> securityGroups) {

    public CloudServer {
        tags = Set.copyOf(tags);
        metadata = Map.copyOf(metadata);
        fixedAddresses = Map.copyOf(fixedAddresses);
        securityGroups = Set.copyOf(securityGroups);
    }

    /** A server whose security groups nobody reads (simulated clouds). */
    public CloudServer(String id, String name, ServerState state, Set<String> tags, Map<String, String> metadata,
            Map<String, List<String>> fixedAddresses, String floatingAddress, String flavorId, String imageId,
            String host, Instant created) {
        this(id, name, state, tags, metadata, fixedAddresses, floatingAddress, flavorId, imageId, host, created,
                Set.of());
    }

    public Optional<String> metadata(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    /** The first fixed IPv4 address on the named network. */
    public Optional<String> fixedAddressOn(String networkName) {
        List<String> addresses = fixedAddresses.get(networkName);
        return addresses == null || addresses.isEmpty() ? Optional.empty() : Optional.of(addresses.get(0));
    }
}
