package cn.ac.ihep.heps.agent.images.build;

import cn.ac.ihep.heps.agent.images.recipe.SkippedComponent;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A finished build: the validated image and how it got there.
 *
 * @param components installed components as {@code name@version}
 * @param skipped the recipe's components left out because a site-provided input is unset
 */
public record BuildResult(
        String beamline,
        String buildId,
        String imageId,
        String imageName,
        String recipeHash,
        List<String> components,
        List<SkippedComponent> skipped,
        Map<String, Boolean> checks,
        boolean promoted,
        Duration took) {

    public BuildResult {
        components = List.copyOf(components);
        skipped = List.copyOf(skipped);
        checks = Map.copyOf(checks);
    }
}
