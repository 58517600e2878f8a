package cn.ac.ihep.heps.agent.images.build;

import cn.ac.ihep.heps.agent.images.catalog.BuildImageProperties;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what dead builds left behind: builder and validation VMs (tag {@code heps-image-build})
 * and unvalidated images whose lease has passed. A running build renews its leases, so a
 * concurrent build by another operator is never touched.
 */
public final class LeftoverSweeper {

    private static final Logger LOG = LoggerFactory.getLogger(LeftoverSweeper.class);

    /** What was removed. */
    public record Swept(List<String> servers, List<String> images) {

        public Swept {
            servers = List.copyOf(servers);
            images = List.copyOf(images);
        }

        public boolean isEmpty() {
            return servers.isEmpty() && images.isEmpty();
        }
    }

    private final CloudProvider cloud;
    private final Clock clock;

    public LeftoverSweeper(CloudProvider cloud, Clock clock) {
        this.cloud = cloud;
        this.clock = clock;
    }

    public Swept sweep() {
        Instant now = clock.instant();
        List<String> removedServers = new ArrayList<>();
        List<String> removedImages = new ArrayList<>();
        for (CloudServer server : cloud.listServers(ServerQuery.withTag(BuildConventions.BUILDER_TAG))) {
            if (!expired(server.metadata().get(BuildConventions.META_LEASE_UNTIL), now)) {
                continue;
            }
            // The snapshot this VM was being turned into, if the build died between asking for it and tagging it.
            Optional.ofNullable(server.metadata().get(BuildConventions.META_IMAGE_NAME)).ifPresent(name -> {
                for (CloudImage image : cloud.listImages(Map.of("name", name))) {
                    if (name.equals(image.name()) && !validated(image)) {
                        deleteImage(image, removedImages);
                    }
                }
            });
            try {
                cloud.deleteServer(server.id());
                removedServers.add(server.id());
                LOG.info("Removed build VM {} ({}) left by a stopped build", server.id(), server.name());
            } catch (RuntimeException e) {
                LOG.warn("Could not remove build VM {}: {}", server.id(), e.getMessage());
            }
        }
        for (CloudImage image : cloud.listImages(
                Map.of(BuildImageProperties.BUILD_STATE, BuildImageProperties.STATE_UNVALIDATED))) {
            if (!validated(image) && expired(image.properties().get(BuildImageProperties.BUILD_LEASE_UNTIL), now)
                    && !removedImages.contains(image.id())) {
                deleteImage(image, removedImages);
            }
        }
        return new Swept(removedServers, removedImages);
    }

    private void deleteImage(CloudImage image, List<String> removed) {
        try {
            cloud.deleteImage(image.id());
            removed.add(image.id());
            LOG.info("Removed unfinished image {} ({}) left by a stopped build", image.id(), image.name());
        } catch (RuntimeException e) {
            LOG.warn("Could not remove unfinished image {}: {}", image.id(), e.getMessage());
        }
    }

    private static boolean validated(CloudImage image) {
        return BuildImageProperties.STATE_VALIDATED.equals(image.properties().get(BuildImageProperties.BUILD_STATE));
    }

    /** A missing or unreadable lease counts as expired: only a live build writes a valid one. */
    static boolean expired(String leaseUntil, Instant now) {
        if (leaseUntil == null) {
            return true;
        }
        try {
            return Instant.parse(leaseUntil).isBefore(now);
        } catch (DateTimeParseException e) {
            return true;
        }
    }
}
