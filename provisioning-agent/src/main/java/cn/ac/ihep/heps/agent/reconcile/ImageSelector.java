package cn.ac.ihep.heps.agent.reconcile;

import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A beamline's current image: among active Glance images with {@code heps_beamline=<id>},
 * those marked {@code heps_current=true} if there are any, else all of them; of these the
 * newest (by creation time, then name). Only new desktops use it; existing ones keep theirs.
 */
public final class ImageSelector {
    /** Glance property that pins a beamline's current image (the images build marks it). */
    public static final String CURRENT = "heps_current";

    private final CloudProvider cloud;

    public ImageSelector(CloudProvider cloud) {
        this.cloud = cloud;
    }

    public Optional<CloudImage> currentImage(String beamline) {
        List<CloudImage> active = cloud.listImages(Map.of(ImageProperties.BEAMLINE, beamline)).stream()
                .filter(image -> "active".equalsIgnoreCase(image.status()))
                .filter(image -> beamline.equals(image.properties().get(ImageProperties.BEAMLINE)))
                .toList();
        List<CloudImage> marked = active.stream()
                .filter(image -> "true".equalsIgnoreCase(image.properties().get(CURRENT)))
                .toList();
        return (marked.isEmpty() ? active : marked).stream()
                .max(Comparator.comparing((CloudImage image) -> image.created() == null ? Instant.EPOCH : image.created())
                        .thenComparing(CloudImage::name));
    }
}
