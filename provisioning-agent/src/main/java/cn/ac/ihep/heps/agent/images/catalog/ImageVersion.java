package cn.ac.ihep.heps.agent.images.catalog;

import java.time.Instant;
import java.util.List;

/**
 * One built image of a beamline, as {@code heps images list} shows it.
 *
 * @param skippedComponents components its recipe lists that the build left out (unset site inputs)
 */
public record ImageVersion(
        String beamline,
        String imageId,
        String name,
        String status,
        Instant created,
        String recipeHash,
        List<String> components,
        List<String> skippedComponents,
        boolean current,
        boolean promoted) {

    public ImageVersion {
        components = List.copyOf(components);
        skippedComponents = List.copyOf(skippedComponents);
    }
}
