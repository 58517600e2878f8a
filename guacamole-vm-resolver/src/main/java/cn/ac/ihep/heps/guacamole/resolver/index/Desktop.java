package cn.ac.ihep.heps.guacamole.resolver.index;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.DesktopProtocol;
import java.util.Optional;
import java.util.Set;

/**
 * One desktop VM as the resolver offers it.
 *
 * @param id the Nova server id, which is also the Guacamole connection identifier
 * @param address the IPv4 address guacd connects to, or null while the VM has none
 * @param accessTags the tags that grant access ({@code heps-owner:}, {@code heps-user:},
 *     {@code heps-group:})
 */
public record Desktop(
        String id,
        String name,
        ServerState state,
        DesktopProtocol protocol,
        String address,
        Set<String> accessTags) {

    public Desktop {
        accessTags = Set.copyOf(accessTags);
    }

    public Optional<String> optionalAddress() {
        return Optional.ofNullable(address);
    }
}
