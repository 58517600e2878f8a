package cn.ac.ihep.heps.guacamole.resolver.index;

import cn.ac.ihep.heps.common.cloud.CloudException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.desktop.DesktopMetadata;
import cn.ac.ihep.heps.common.desktop.DesktopProtocol;
import cn.ac.ihep.heps.common.desktop.DesktopTags;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import cn.ac.ihep.heps.common.log.LogSafe;
import cn.ac.ihep.heps.guacamole.resolver.ConfigurationService;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.guacamole.GuacamoleException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a server as the cloud reports it into a {@link Desktop}: its address on the desktop
 * network, its protocol (CONTRACTS §3), the tags that grant access, its beamline and the end of
 * its beamtime window (metadata the agent keeps current, so no login asks the agent).
 */
@Singleton
public class DesktopFactory {

    private static final Logger logger = LoggerFactory.getLogger(DesktopFactory.class);

    private final CloudProvider cloud;
    private final String network;
    private final boolean useFloatingIp;

    /** Desktops whose unreadable window has been logged already (once each is enough). */
    private final Set<String> badWindows = ConcurrentHashMap.newKeySet();

    /** Image id → {@code os_type}; images do not change their OS, so entries never expire. */
    private final Map<String, Optional<String>> osTypeByImage = new ConcurrentHashMap<>();

    @Inject
    public DesktopFactory(CloudProvider cloud, ConfigurationService configuration) throws GuacamoleException {
        this.cloud = cloud;
        this.network = configuration.getVmNetwork();
        this.useFloatingIp = configuration.useFloatingIp();
    }

    public Desktop desktopFor(CloudServer server) {
        Set<String> accessTags = server.tags().stream()
                .filter(tag -> DesktopTags.ownerOf(tag).isPresent()
                        || DesktopTags.userOf(tag).isPresent()
                        || DesktopTags.groupOf(tag).isPresent())
                .collect(Collectors.toUnmodifiableSet());
        return new Desktop(server.id(), displayName(server), server.state(), protocolOf(server),
                addressOf(server), accessTags, server.metadata(DesktopMetadata.BEAMLINE).filter(b -> !b.isBlank())
                        .map(String::trim).orElse(null), expiresOf(server));
    }

    /**
     * {@code heps.expires}; a value that is not an ISO-8601 instant is ignored with a warning, so a
     * mistyped value never locks a user out (nor keeps one in: the agent shelves the desktop).
     */
    private Instant expiresOf(CloudServer server) {
        Optional<String> value = server.metadata(DesktopMetadata.EXPIRES);
        if (value.isEmpty() || value.get().isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value.get().trim());
        } catch (DateTimeParseException e) {
            if (!badWindows.add(server.id())) {
                return null;
            }
            logger.warn("Desktop {} has {} \"{}\", not an ISO-8601 instant; its window is not enforced", server.id(),
                    DesktopMetadata.EXPIRES, LogSafe.text(value.get()));
            return null;
        }
    }

    private static String displayName(CloudServer server) {
        return server.name() == null || server.name().isBlank() ? server.id() : server.name();
    }

    private String addressOf(CloudServer server) {
        if (useFloatingIp && server.floatingAddress() != null && !server.floatingAddress().isBlank()) {
            return server.floatingAddress();
        }
        return server.fixedAddressOn(network).orElse(null);
    }

    /** {@code heps.protocol} when the VM states it, else from the image's {@code os_type}. */
    private DesktopProtocol protocolOf(CloudServer server) {
        Optional<String> declared = server.metadata(DesktopMetadata.PROTOCOL);
        if (declared.flatMap(DesktopProtocol::fromWireName).isPresent()) {
            return DesktopProtocol.fromWireName(declared.get()).get();
        }
        return DesktopProtocol.choose(osTypeOf(server.imageId()).orElse(null), null);
    }

    private Optional<String> osTypeOf(String imageId) {
        if (imageId == null || imageId.isBlank()) {
            return Optional.empty();
        }
        Optional<String> cached = osTypeByImage.get(imageId);
        if (cached != null) {
            return cached;
        }
        try {
            Optional<String> osType = cloud.findImage(imageId).flatMap(image -> image.property(ImageProperties.OS_TYPE));
            osTypeByImage.put(imageId, osType);
            return osType;
        } catch (CloudException e) {
            // Not cached: the next refresh asks again.
            logger.warn("Could not read image {} to choose a desktop protocol ({}); assuming Linux/VNC until it can be read",
                    imageId, e.getMessage());
            logger.debug("Image lookup failure", e);
            return Optional.empty();
        }
    }

    /** For tests: how many images' OS types are known. */
    int knownImages() {
        return osTypeByImage.size();
    }
}
