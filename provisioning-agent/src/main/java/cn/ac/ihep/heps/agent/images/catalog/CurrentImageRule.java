package cn.ac.ihep.heps.agent.images.catalog;

import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which image a beamline's new desktops boot (the rule the agent uses too): among the active
 * images with {@code heps_beamline=<id>}, the one carrying {@code heps_current=true}, else the
 * newest. Only validated images ever carry {@code heps_beamline}, so a half-made image is never current.
 */
public final class CurrentImageRule {

    public static final String ACTIVE = "active";

    private static final Comparator<CloudImage> NEWEST_FIRST = Comparator
            .comparing((CloudImage image) -> image.created() == null ? Instant.EPOCH : image.created())
            .thenComparing(CloudImage::id)
            .reversed();

    private CurrentImageRule() {
    }

    public static Optional<CloudImage> current(String beamline, Collection<CloudImage> images) {
        List<CloudImage> candidates = ofBeamline(beamline, images);
        Optional<CloudImage> promoted = candidates.stream().filter(CurrentImageRule::isPromoted).findFirst();
        return promoted.isPresent() ? promoted : candidates.stream().findFirst();
    }

    /** The beamline's active images, newest first. */
    public static List<CloudImage> ofBeamline(String beamline, Collection<CloudImage> images) {
        return images.stream()
                .filter(image -> beamline.equals(image.properties().get(ImageProperties.BEAMLINE)))
                .filter(image -> ACTIVE.equalsIgnoreCase(image.status()))
                .sorted(NEWEST_FIRST)
                .toList();
    }

    public static boolean isPromoted(CloudImage image) {
        return "true".equalsIgnoreCase(image.properties().get(BuildImageProperties.CURRENT));
    }
}
