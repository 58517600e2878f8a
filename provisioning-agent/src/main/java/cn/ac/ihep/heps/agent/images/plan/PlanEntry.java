package cn.ac.ihep.heps.agent.images.plan;

import cn.ac.ihep.heps.agent.images.recipe.SkippedComponent;
import java.util.List;

/**
 * What a build would do for one beamline, and why.
 *
 * @param currentImageId the beamline's current image, or null when it has none
 * @param reasons for BUILD/REBUILD: each change found, e.g. "dioptas 0.10.0 -> 0.11.0"
 * @param skipped components the desired image leaves out because a site-provided input is unset
 */
public record PlanEntry(
        String beamline, Action action, String currentImageId, String currentHash, String desiredHash, List<String> reasons,
        List<SkippedComponent> skipped) {

    public PlanEntry {
        reasons = List.copyOf(reasons);
        skipped = List.copyOf(skipped);
    }

    public enum Action {
        /** No image yet. */
        BUILD,
        /** The recipe or a component changed since the current image was built. */
        REBUILD,
        UP_TO_DATE
    }

    public boolean needsBuild() {
        return action != Action.UP_TO_DATE;
    }
}
