package cn.ac.ihep.heps.agent.images.recipe;

import java.util.List;

/**
 * How a component installs on one OS family.
 *
 * @param version the version installed on this OS when it differs from the component's, else null
 * @param inputs inputs only this OS needs, besides the component's own
 * @param check a script that exits 0 only when the component is installed and configured
 */
public record PlatformRecipe(OsFamily os, String version, List<InputDeclaration> inputs, List<Step> steps, String check) {

    public PlatformRecipe {
        inputs = List.copyOf(inputs);
        steps = List.copyOf(steps);
    }
}
