package cn.ac.ihep.heps.agent.reconcile;

import cn.ac.ihep.heps.agent.images.catalog.CurrentImageRule;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import java.util.Map;
import java.util.Optional;

/**
 * A beamline's current image, by the rule the image build uses ({@link CurrentImageRule}):
 * among active images with {@code heps_beamline=<id>}, the one marked {@code heps_current=true},
 * else the newest. Only new desktops use it; existing ones keep the image they booted.
 */
public final class ImageSelector {
    private final CloudProvider cloud;

    public ImageSelector(CloudProvider cloud) {
        this.cloud = cloud;
    }

    public Optional<CloudImage> currentImage(String beamline) {
        return CurrentImageRule.current(beamline, cloud.listImages(Map.of(ImageProperties.BEAMLINE, beamline)));
    }
}
