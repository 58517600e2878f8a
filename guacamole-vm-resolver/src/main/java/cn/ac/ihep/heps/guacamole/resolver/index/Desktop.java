package cn.ac.ihep.heps.guacamole.resolver.index;

import cn.ac.ihep.heps.common.cloud.ServerState;
import cn.ac.ihep.heps.common.desktop.DesktopProtocol;
import cn.ac.ihep.heps.common.desktop.DesktopTags;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * One desktop VM as the resolver offers it.
 *
 * @param id the Nova server id, which is also the Guacamole connection identifier
 * @param address the IPv4 address guacd connects to, or null while the VM has none
 * @param accessTags the tags that grant access ({@code heps-owner:}, {@code heps-user:},
 *     {@code heps-group:})
 * @param beamline the beamline it serves ({@code heps.beamline}), or null when the VM does not say
 * @param expiresAt the end of its beamtime window ({@code heps.expires}), or null when it has none
 */
public record Desktop(
        String id,
        String name,
        ServerState state,
        DesktopProtocol protocol,
        String address,
        Set<String> accessTags,
        String beamline,
        Instant expiresAt) {

    public Desktop {
        accessTags = Set.copyOf(accessTags);
    }

    /** A desktop that names no beamline and no window. */
    public Desktop(String id, String name, ServerState state, DesktopProtocol protocol, String address,
            Set<String> accessTags) {
        this(id, name, state, protocol, address, accessTags, null, null);
    }

    public Optional<String> optionalBeamline() {
        return Optional.ofNullable(beamline);
    }

    public Optional<String> optionalAddress() {
        return Optional.ofNullable(address);
    }

    /** The username of its {@code heps-owner:} tag, if it has one. */
    public Optional<String> owner() {
        return accessTags.stream().map(DesktopTags::ownerOf).flatMap(Optional::stream).sorted().findFirst();
    }

    /** Whether its beamtime window has ended by {@code now}; a desktop without a window never expires. */
    public boolean expiredAt(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }
}
