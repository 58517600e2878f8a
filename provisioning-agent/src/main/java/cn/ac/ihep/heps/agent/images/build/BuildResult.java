package cn.ac.ihep.heps.agent.images.build;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A finished build: the validated image and how it got there. */
public record BuildResult(
        String beamline,
        String buildId,
        String imageId,
        String imageName,
        String recipeHash,
        List<String> components,
        Map<String, Boolean> checks,
        boolean promoted,
        Duration took) {

    public BuildResult {
        components = List.copyOf(components);
        checks = Map.copyOf(checks);
    }
}
