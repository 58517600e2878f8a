package cn.ac.ihep.heps.agent.images.recipe;

import cn.ac.ihep.heps.agent.images.recipe.InputResolver.ResolvedInputs;
import java.util.List;

/**
 * What a beamline's image gets with this site's inputs: the components to install, in install
 * order with their inputs, and those skipped because a site-provided input is unset.
 */
public record ResolvedBeamline(String beamline, List<ResolvedInputs> installed, List<SkippedComponent> skipped) {

    public ResolvedBeamline {
        installed = List.copyOf(installed);
        skipped = List.copyOf(skipped);
    }

    public List<String> skippedNames() {
        return skipped.stream().map(SkippedComponent::component).toList();
    }
}
