package cn.ac.ihep.heps.agent.images.catalog;

import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.desktop.DesktopTags;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The built images of each beamline in Glance: which is current, promotion, and pruning old versions. */
public final class ImageCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(ImageCatalog.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CloudProvider cloud;

    public ImageCatalog(CloudProvider cloud) {
        this.cloud = cloud;
    }

    /** The beamline's active built images, newest first. */
    public List<CloudImage> images(String beamline) {
        return CurrentImageRule.ofBeamline(beamline, cloud.listImages(Map.of(ImageProperties.BEAMLINE, beamline)));
    }

    public Optional<CloudImage> current(String beamline) {
        return CurrentImageRule.current(beamline, images(beamline));
    }

    public List<ImageVersion> versions(String beamline) {
        List<CloudImage> images = images(beamline);
        Optional<CloudImage> current = CurrentImageRule.current(beamline, images);
        return images.stream().map(image -> version(beamline, image, current)).toList();
    }

    /**
     * Makes {@code imageId} the beamline's current image: marks it first, then clears the mark
     * on the others, so at no moment is the beamline without a current image.
     */
    public CloudImage promote(String beamline, String imageId) {
        CloudImage chosen = cloud.findImage(imageId)
                .orElseThrow(() -> new CloudNotFoundException("No image " + imageId));
        if (!beamline.equals(chosen.properties().get(ImageProperties.BEAMLINE))) {
            throw new IllegalArgumentException("Image " + imageId + " is not an image of beamline " + beamline
                    + " (its heps_beamline is " + chosen.properties().getOrDefault(ImageProperties.BEAMLINE, "not set") + ")");
        }
        if (!CurrentImageRule.ACTIVE.equalsIgnoreCase(chosen.status())) {
            throw new IllegalArgumentException("Image " + imageId + " is " + chosen.status() + ", not active");
        }
        cloud.updateImageProperties(imageId, Map.of(BuildImageProperties.CURRENT, "true"));
        for (CloudImage other : images(beamline)) {
            if (!other.id().equals(imageId) && CurrentImageRule.isPromoted(other)) {
                cloud.updateImageProperties(other.id(), Map.of(BuildImageProperties.CURRENT, "false"));
            }
        }
        LOG.info("Promoted image {} for beamline {}", imageId, beamline);
        return cloud.findImage(imageId).orElse(chosen);
    }

    /**
     * Deletes all but the newest {@code keep} images of the beamline. The current image and any
     * image a desktop VM still runs from are always kept.
     */
    public List<PruneDecision> prune(String beamline, int keep, boolean dryRun) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be at least 1, so a beamline always has an image");
        }
        List<CloudImage> images = images(beamline);
        Optional<CloudImage> current = CurrentImageRule.current(beamline, images);
        Map<String, Long> inUse = imagesInUse();
        List<PruneDecision> decisions = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            CloudImage image = images.get(i);
            String reason;
            boolean delete = false;
            if (current.isPresent() && current.get().id().equals(image.id())) {
                reason = "current image";
            } else if (i < keep) {
                reason = "one of the newest " + keep;
            } else if (inUse.containsKey(image.id())) {
                reason = "in use by " + inUse.get(image.id()) + " desktop(s)";
            } else {
                reason = "older than the newest " + keep;
                delete = true;
            }
            if (delete && !dryRun) {
                cloud.deleteImage(image.id());
                LOG.info("Pruned image {} ({}) of beamline {}", image.id(), image.name(), beamline);
            }
            decisions.add(new PruneDecision(beamline, image.id(), image.name(),
                    delete ? PruneDecision.Action.DELETE : PruneDecision.Action.KEEP, reason));
        }
        return decisions;
    }

    private Map<String, Long> imagesInUse() {
        List<CloudServer> desktops = cloud.listServers(ServerQuery.withTag(DesktopTags.DESKTOP));
        Map<String, Long> counts = new HashMap<>();
        for (CloudServer desktop : desktops) {
            if (desktop.imageId() != null) {
                counts.merge(desktop.imageId(), 1L, Long::sum);
            }
        }
        return counts;
    }

    private static ImageVersion version(String beamline, CloudImage image, Optional<CloudImage> current) {
        return new ImageVersion(beamline, image.id(), image.name(), image.status(), image.created(),
                image.properties().getOrDefault(ImageProperties.RECIPE_VERSION, ""),
                components(image), skippedComponents(image), current.map(c -> c.id().equals(image.id())).orElse(false),
                CurrentImageRule.isPromoted(image));
    }

    /** The {@code heps_components} list; empty when missing or not a JSON list. */
    public static List<String> components(CloudImage image) {
        return readJson(image.properties().get(ImageProperties.COMPONENTS), new TypeReference<List<String>>() { })
                .orElse(List.of());
    }

    /** The {@code heps_component_hashes} map; empty when missing or not a JSON object. */
    public static Map<String, String> componentHashes(CloudImage image) {
        return readJson(image.properties().get(BuildImageProperties.COMPONENT_HASHES),
                new TypeReference<Map<String, String>>() { }).orElse(Map.of());
    }

    /** The {@code heps_skipped_components} names; empty when missing. */
    public static List<String> skippedComponents(CloudImage image) {
        String names = image.properties().getOrDefault(BuildImageProperties.SKIPPED_COMPONENTS, "");
        return java.util.Arrays.stream(names.split(",")).map(String::trim).filter(name -> !name.isEmpty()).toList();
    }

    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> Optional<T> readJson(String text, TypeReference<T> type) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(JSON.readValue(text, type));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }
}
