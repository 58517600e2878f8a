package cn.ac.ihep.heps.agent.images.plan;

import cn.ac.ihep.heps.agent.images.catalog.ImageCatalog;
import cn.ac.ihep.heps.agent.images.hash.RecipeFingerprint;
import cn.ac.ihep.heps.agent.images.hash.RecipeHasher;
import cn.ac.ihep.heps.agent.images.recipe.BeamlineRecipe;
import cn.ac.ihep.heps.agent.images.recipe.InputResolver;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import cn.ac.ihep.heps.agent.images.recipe.SkippedComponent;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Compares each beamline's recipe hash with the one on its current Glance image and says what
 * would be built and why (desired state vs. observed state). The desired state depends on the
 * site file too: a component whose site-provided input is unset is left out.
 */
public final class BuildPlanner {

    private final RecipeHasher hasher;
    private final ImageCatalog catalog;
    private final InputResolver inputs;

    public BuildPlanner(RecipeHasher hasher, ImageCatalog catalog, InputResolver inputs) {
        this.hasher = hasher;
        this.catalog = catalog;
        this.inputs = inputs;
    }

    public List<PlanEntry> plan(RecipeLibrary library, Collection<String> beamlines) {
        List<PlanEntry> entries = new ArrayList<>();
        for (String id : beamlines) {
            BeamlineRecipe recipe = library.beamline(id).orElseThrow(() -> new IllegalArgumentException("No beamline " + id));
            List<SkippedComponent> skipped = inputs.skipped(recipe, library);
            RecipeFingerprint desired = hasher.fingerprint(recipe, library, skipped.stream().map(SkippedComponent::component).toList());
            entries.add(entry(desired, skipped, catalog.current(id)));
        }
        return entries;
    }

    static PlanEntry entry(RecipeFingerprint desired, List<SkippedComponent> skipped, Optional<CloudImage> current) {
        if (current.isEmpty()) {
            return new PlanEntry(desired.beamline(), PlanEntry.Action.BUILD, null, null, desired.recipeHash(),
                    List.of("no image built yet"), skipped);
        }
        CloudImage image = current.get();
        String currentHash = image.properties().get(ImageProperties.RECIPE_VERSION);
        if (desired.recipeHash().equals(currentHash)) {
            return new PlanEntry(desired.beamline(), PlanEntry.Action.UP_TO_DATE, image.id(), currentHash,
                    desired.recipeHash(), List.of(), skipped);
        }
        return new PlanEntry(desired.beamline(), PlanEntry.Action.REBUILD, image.id(), currentHash,
                desired.recipeHash(), reasons(desired, image), skipped);
    }

    /**
     * Names each component added, removed, re-versioned or changed, or skipped or no longer skipped
     * since the image was built; else says the recipe itself changed.
     */
    static List<String> reasons(RecipeFingerprint desired, CloudImage image) {
        Map<String, String> builtVersions = byName(ImageCatalog.components(image));
        Map<String, String> wantedVersions = byName(desired.componentVersions());
        Map<String, String> builtHashes = ImageCatalog.componentHashes(image);
        List<String> builtSkipped = ImageCatalog.skippedComponents(image);
        List<String> reasons = new ArrayList<>();
        for (Map.Entry<String, String> wanted : wantedVersions.entrySet()) {
            String name = wanted.getKey();
            String built = builtVersions.get(name);
            if (built == null && builtSkipped.contains(name)) {
                reasons.add("component " + name + " no longer skipped (" + wanted.getValue() + ")");
            } else if (built == null) {
                reasons.add("component " + name + " added (" + wanted.getValue() + ")");
            } else if (!built.equals(wanted.getValue())) {
                reasons.add("component " + name + " " + built + " -> " + wanted.getValue());
            } else if (builtHashes.containsKey(name) && !builtHashes.get(name).equals(desired.componentHashes().get(name))) {
                reasons.add("component " + name + " changed (same version " + built + ")");
            }
        }
        for (String name : builtVersions.keySet()) {
            if (desired.skippedComponents().contains(name)) {
                reasons.add("component " + name + " skipped (a site-provided input is unset)");
            } else if (!wantedVersions.containsKey(name)) {
                reasons.add("component " + name + " removed");
            }
        }
        if (reasons.isEmpty() && !new ArrayList<>(builtVersions.keySet()).equals(new ArrayList<>(wantedVersions.keySet()))) {
            reasons.add("component order changed");
        }
        if (reasons.isEmpty()) {
            reasons.add(image.properties().containsKey(ImageProperties.RECIPE_VERSION)
                    ? "recipe changed (base image, GPU, image properties or component inputs)"
                    : "the current image has no recipe hash (built outside this pipeline)");
        }
        return reasons;
    }

    private static Map<String, String> byName(List<String> nameAtVersions) {
        Map<String, String> versions = new LinkedHashMap<>();
        for (String nameAtVersion : nameAtVersions) {
            int at = nameAtVersion.lastIndexOf('@');
            versions.put(at < 0 ? nameAtVersion : nameAtVersion.substring(0, at), at < 0 ? "" : nameAtVersion.substring(at + 1));
        }
        return versions;
    }
}
