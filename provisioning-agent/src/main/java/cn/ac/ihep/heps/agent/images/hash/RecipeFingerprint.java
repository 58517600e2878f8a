package cn.ac.ihep.heps.agent.images.hash;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a beamline image is built from, reduced to hashes for change detection.
 *
 * @param recipeHash sha256 (hex) of the canonical recipe and its components; stored as
 *     {@code heps_recipe_version} on the image
 * @param componentVersions {@code name@version} in install order; stored as {@code heps_components}
 * @param componentHashes a short hash of each component as this beamline's OS installs it;
 *     stored as {@code heps_component_hashes} so a plan can name the component that changed
 * @param skippedComponents the components left out for want of a site-provided input, in recipe
 *     order; stored as {@code heps_skipped_components}. Versions and hashes cover installed ones only.
 */
public record RecipeFingerprint(
        String beamline, String recipeHash, List<String> componentVersions, SortedMap<String, String> componentHashes,
        List<String> skippedComponents) {

    public RecipeFingerprint {
        componentVersions = List.copyOf(componentVersions);
        componentHashes = new TreeMap<>(componentHashes);
        skippedComponents = List.copyOf(skippedComponents);
    }

    public static RecipeFingerprint of(String beamline, String recipeHash, List<String> versions, Map<String, String> hashes,
            List<String> skipped) {
        return new RecipeFingerprint(beamline, recipeHash, versions, new TreeMap<>(hashes), skipped);
    }
}
