package cn.ac.ihep.heps.agent.images.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import cn.ac.ihep.heps.agent.images.catalog.BuildImageProperties;
import cn.ac.ihep.heps.agent.images.catalog.ImageCatalog;
import cn.ac.ihep.heps.agent.images.hash.RecipeFingerprint;
import cn.ac.ihep.heps.agent.images.recipe.SkippedComponent;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BuildPlannerTest {

    private static final RecipeFingerprint DESIRED = RecipeFingerprint.of("high-pressure", "a".repeat(64),
            List.of("linux-desktop@1.1.0", "fit2d@18.002", "dioptas@0.11.0"),
            Map.of("linux-desktop", "1111111111111111", "fit2d", "2222222222222222", "dioptas", "3333333333333333"), List.of());

    private static CloudImage built(String hash, List<String> components, Map<String, String> hashes) {
        return new CloudImage("img-1", "heps-high-pressure-1", "active", Map.of(
                ImageProperties.BEAMLINE, "high-pressure",
                ImageProperties.RECIPE_VERSION, hash,
                ImageProperties.COMPONENTS, ImageCatalog.toJson(components),
                BuildImageProperties.COMPONENT_HASHES, ImageCatalog.toJson(hashes)), Instant.parse("2026-11-01T00:00:00Z"));
    }

    @Test
    void aBeamlineWithoutAnImageIsBuilt() {
        PlanEntry entry = BuildPlanner.entry(DESIRED, List.of(), Optional.empty());
        assertEquals(PlanEntry.Action.BUILD, entry.action());
        assertNull(entry.currentImageId());
        assertEquals(List.of("no image built yet"), entry.reasons());
    }

    @Test
    void anImageWithTheSameHashIsUpToDate() {
        PlanEntry entry = BuildPlanner.entry(DESIRED, List.of(), Optional.of(built(DESIRED.recipeHash(),
                DESIRED.componentVersions(), DESIRED.componentHashes())));
        assertEquals(PlanEntry.Action.UP_TO_DATE, entry.action());
        assertFalse(entry.needsBuild());
        assertEquals(List.of(), entry.reasons());
    }

    @Test
    void theReasonsNameEachComponentThatChanged() {
        CloudImage old = built("b".repeat(64),
                List.of("linux-desktop@1.1.0", "fit2d@18.001", "dioptas@0.11.0", "pymca@5.9.7"),
                Map.of("linux-desktop", "1111111111111111", "fit2d", "9999999999999999", "dioptas", "4444444444444444",
                        "pymca", "5555555555555555"));

        PlanEntry entry = BuildPlanner.entry(DESIRED, List.of(), Optional.of(old));

        assertEquals(PlanEntry.Action.REBUILD, entry.action());
        assertEquals(List.of("component fit2d 18.001 -> 18.002", "component dioptas changed (same version 0.11.0)",
                "component pymca removed"), entry.reasons());
    }

    @Test
    void aRecipeOnlyChangeSaysSo() {
        PlanEntry entry = BuildPlanner.entry(DESIRED, List.of(), Optional.of(built("c".repeat(64),
                DESIRED.componentVersions(), DESIRED.componentHashes())));
        assertEquals(List.of("recipe changed (base image, GPU, image properties or component inputs)"), entry.reasons());
    }

    @Test
    void aComponentSkippedNowOrNoLongerSkippedIsNamed() {
        RecipeFingerprint withoutDioptas = RecipeFingerprint.of("high-pressure", "d".repeat(64),
                List.of("linux-desktop@1.1.0", "fit2d@18.002"),
                Map.of("linux-desktop", "1111111111111111", "fit2d", "2222222222222222"), List.of("dioptas"));
        SkippedComponent skip = new SkippedComponent("dioptas", "pip_index_url", "input pip_index_url is not set");

        PlanEntry nowSkipped = BuildPlanner.entry(withoutDioptas, List.of(skip),
                Optional.of(built(DESIRED.recipeHash(), DESIRED.componentVersions(), DESIRED.componentHashes())));
        assertEquals(PlanEntry.Action.REBUILD, nowSkipped.action());
        assertEquals(List.of("component dioptas skipped (a site-provided input is unset)"), nowSkipped.reasons());
        assertEquals(List.of(skip), nowSkipped.skipped());

        Map<String, String> properties = new java.util.HashMap<>(built(withoutDioptas.recipeHash(),
                withoutDioptas.componentVersions(), withoutDioptas.componentHashes()).properties());
        properties.put(BuildImageProperties.SKIPPED_COMPONENTS, "dioptas");
        CloudImage skippedBefore = new CloudImage("img-2", "heps-high-pressure-2", "active", properties, Instant.parse("2026-11-02T00:00:00Z"));
        PlanEntry noLongerSkipped = BuildPlanner.entry(DESIRED, List.of(), Optional.of(skippedBefore));
        assertEquals(PlanEntry.Action.REBUILD, noLongerSkipped.action());
        assertEquals(List.of("component dioptas no longer skipped (0.11.0)"), noLongerSkipped.reasons());
        assertEquals(List.of(), noLongerSkipped.skipped());
    }
}
