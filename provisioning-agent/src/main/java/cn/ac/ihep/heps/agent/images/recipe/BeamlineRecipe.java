package cn.ac.ihep.heps.agent.images.recipe;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What one beamline's desktop image holds ({@code images/beamlines/<id>.yaml}).
 *
 * @param components installed in this order
 * @param imageProperties extra Glance properties (the usual {@code hw_*} ones); the {@code heps_*}
 *     properties and {@code os_type} are set by the build
 */
public record BeamlineRecipe(
        String id,
        String title,
        BaseImage baseImage,
        boolean gpu,
        List<ComponentUse> components,
        Map<String, String> imageProperties,
        Path source) {

    public BeamlineRecipe {
        components = List.copyOf(components);
        imageProperties = Map.copyOf(imageProperties);
    }

    public OsFamily os() {
        return baseImage.os();
    }
}
