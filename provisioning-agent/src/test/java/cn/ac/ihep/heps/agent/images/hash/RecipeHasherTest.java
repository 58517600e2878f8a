package cn.ac.ihep.heps.agent.images.hash;

import static cn.ac.ihep.heps.agent.images.RecipeFixtures.copyOfRepositoryImages;
import static cn.ac.ihep.heps.agent.images.RecipeFixtures.replace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeHasherTest {

    @TempDir
    Path temp;

    private Path images;
    private final RecipeHasher hasher = new RecipeHasher();

    @BeforeEach
    void copyRecipes() {
        images = copyOfRepositoryImages(temp);
    }

    private RecipeFingerprint fingerprint(String beamline) {
        RecipeLibrary library = new RecipeLoader(images).load();
        return hasher.fingerprint(library.beamline(beamline).orElseThrow(), library, List.of());
    }

    @Test
    void theHashIsStableAndIgnoresCommentsLayoutTitlesAndDescriptions() {
        RecipeFingerprint before = fingerprint("high-pressure");
        assertEquals(64, before.recipeHash().length());
        assertEquals(before, fingerprint("high-pressure"));

        replace(images.resolve("beamlines/high-pressure.yaml"), "title: High Pressure", "title: \"High-pressure beamline\"  # renamed");
        replace(images.resolve("components/dioptas.yaml"), "description: Dioptas", "description: The Dioptas");
        replace(images.resolve("beamlines/high-pressure.yaml"), "gpu: false", "gpu:    false");

        assertEquals(before.recipeHash(), fingerprint("high-pressure").recipeHash());
    }

    @Test
    void aChangedStepChangesTheHashOfEveryBeamlineUsingItAndOnlyThose() {
        RecipeFingerprint highPressure = fingerprint("high-pressure");
        RecipeFingerprint tender = fingerprint("tender-xray");

        replace(images.resolve("components/dioptas.yaml"), "--upgrade pip", "--upgrade pip setuptools");

        RecipeFingerprint changed = fingerprint("high-pressure");
        assertNotEquals(highPressure.recipeHash(), changed.recipeHash());
        assertNotEquals(highPressure.componentHashes().get("dioptas"), changed.componentHashes().get("dioptas"));
        assertEquals(highPressure.componentHashes().get("fit2d"), changed.componentHashes().get("fit2d"));
        assertEquals(tender.recipeHash(), fingerprint("tender-xray").recipeHash(), "tender-xray does not use dioptas");
    }

    @Test
    void aWindowsOnlyChangeDoesNotRebuildLinuxBeamlines() {
        RecipeFingerprint linux = fingerprint("hard-xray-nanoprobe");
        RecipeFingerprint windows = fingerprint("hard-xray-imaging");

        replace(images.resolve("components/nvidia-driver.yaml"), "'-s', '-noreboot'", "'-s', '-noreboot', '-nofinish'");

        assertEquals(linux.recipeHash(), fingerprint("hard-xray-nanoprobe").recipeHash());
        assertNotEquals(windows.recipeHash(), fingerprint("hard-xray-imaging").recipeHash());
    }

    @Test
    void componentVersionsFollowTheBeamlinesOs() {
        assertEquals("nvidia-driver@553.24", fingerprint("hard-xray-imaging").componentVersions().get(0));
        assertEquals(List.of("nvidia-driver@550.127.05", "linux-desktop@1.3.1"),
                fingerprint("hard-xray-nanoprobe").componentVersions().subList(0, 2));
    }

    @Test
    void beamlineInputsAndOrderCount() {
        RecipeFingerprint before = fingerprint("high-pressure");
        replace(images.resolve("beamlines/high-pressure.yaml"), "  - ad-join", "  - name: ad-join\n    inputs:\n      login_group: heps-b6");
        RecipeFingerprint otherExport = fingerprint("high-pressure");
        assertNotEquals(before.recipeHash(), otherExport.recipeHash());

        replace(images.resolve("beamlines/high-pressure.yaml"), "  - fit2d\n  - dioptas", "  - dioptas\n  - fit2d");
        assertNotEquals(otherExport.recipeHash(), fingerprint("high-pressure").recipeHash());
    }

    @Test
    void aSkippedComponentChangesTheHashAndLeavesTheInstalledListsWithoutIt() {
        RecipeLibrary library = new RecipeLoader(images).load();
        var highPressure = library.beamline("high-pressure").orElseThrow();
        RecipeFingerprint installed = hasher.fingerprint(highPressure, library, List.of());
        RecipeFingerprint skipped = hasher.fingerprint(highPressure, library, List.of("dioptas", "fit2d"));

        assertNotEquals(installed.recipeHash(), skipped.recipeHash(), "setting the input later makes the image stale");
        assertEquals(List.of("fit2d", "dioptas"), skipped.skippedComponents(), "in recipe order");
        assertEquals(List.of(), installed.skippedComponents());
        assertFalse(skipped.componentVersions().stream().anyMatch(v -> v.startsWith("fit2d@") || v.startsWith("dioptas@")));
        assertFalse(skipped.componentHashes().containsKey("dioptas"));
        assertEquals(installed.componentHashes().get("linux-desktop"), skipped.componentHashes().get("linux-desktop"));
        assertNotEquals(skipped.recipeHash(), hasher.fingerprint(highPressure, library, List.of("fit2d")).recipeHash());
        assertThrows(IllegalArgumentException.class, () -> hasher.fingerprint(highPressure, library, List.of("avizo")),
                "high-pressure does not use avizo");
    }
}
