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
        Instant created) {

    public CloudServer {
        tags = Set.copyOf(tags);
        metadata = Map.copyOf(metadata);
        fixedAddresses = Map.copyOf(fixedAddresses);
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
