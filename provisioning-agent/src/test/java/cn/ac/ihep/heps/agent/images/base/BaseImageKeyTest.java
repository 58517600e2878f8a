package cn.ac.ihep.heps.agent.images.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.images.RecipeFixtures;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageParser;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageRecipe;
import cn.ac.ihep.heps.agent.images.recipe.BeamlineRecipe;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What changes a base image's cache key and what does not, and that an unchanged recipe reuses the cached image. */
class BaseImageKeyTest {

    @TempDir
    Path dir;

    private final BaseImageParser parser = new BaseImageParser();

    @Test
    void commentsDescriptionAndPackageOrderLeaveTheKeyAlone() throws Exception {
        Path copy = copyOfRecipe();
        String before = BaseImageBuilder.keyOf(parser.load(copy));

        String text = Files.readString(copy);
        text = text.replace("description: Debian 12", "description: Debian GNU/Linux 12")
                .replace("# boot: kernel", "# boot (reordered): kernel")
                .replace("  - linux-image-amd64\n  - grub-pc-bin\n", "  - grub-pc-bin\n  - linux-image-amd64\n");
        Files.writeString(copy, text);

        assertEquals(before, BaseImageBuilder.keyOf(parser.load(copy)));
    }

    @Test
    void aPackageAMirrorTheSetupOrTheDiskSizeChangesTheKeyAndTheImageName() throws Exception {
        Path copy = copyOfRecipe();
        BaseImageRecipe original = parser.load(copy);
        String key = BaseImageBuilder.keyOf(original);
        String text = Files.readString(copy);

        List<String> variants = List.of(
                text.replace("  - xterm\n", "  - xterm\n  - pymca\n"),
                text.replace("bookworm bookworm-updates", "bookworm"),
                text.replace("systemctl set-default graphical.target", "systemctl set-default multi-user.target"),
                text.replace("disk_size_gib: 3", "disk_size_gib: 4"),
                text.replace("console=ttyS0,115200n8", "console=ttyS0"));
        List<String> keys = new ArrayList<>();
        for (String variant : variants) {
            assertNotEquals(text, variant, "the test's edit applies");
            Files.writeString(copy, variant);
            BaseImageRecipe changed = parser.load(copy);
            keys.add(BaseImageBuilder.keyOf(changed));
            assertNotEquals(BaseImageBuilder.imageName(original), BaseImageBuilder.imageName(changed));
        }
        assertFalse(keys.contains(key), keys::toString);
        assertEquals(keys.size(), keys.stream().distinct().count(), keys::toString);
    }

    @Test
    void theBuildScriptIsPartOfTheKey() throws Exception {
        BaseImageRecipe recipe = parser.load(copyOfRecipe());
        String script = BaseImageBuilder.buildScript();
        assertEquals(BaseImageBuilder.keyOf(recipe), BaseImageKey.of(recipe, script));
        assertNotEquals(BaseImageKey.of(recipe, script), BaseImageKey.of(recipe, script + "\n# changed\n"));
    }

    @Test
    void aSecondBuildOfTheSameRecipeReusesTheCachedImageAndSaysSo() throws Exception {
        BaseImageRecipe recipe = parser.load(copyOfRecipe());
        BaseImageBuilder builder = new BaseImageBuilder(dir.resolve("cache"), Duration.ofSeconds(1));
        Path image = builder.imagePath(recipe);
        Files.createDirectories(image.getParent());
        Files.writeString(image, "a qcow2 an earlier build left");
        List<String> progress = new ArrayList<>();

        BuiltBaseImage built = builder.build(recipe, false, progress::add);

        assertTrue(built.cached());
        assertEquals(image, built.qcow2());
        assertEquals("heps-base-debian-12-desktop-" + BaseImageKey.shortForm(built.key()), built.name());
        assertEquals(1, progress.size(), progress::toString);
        assertTrue(progress.get(0).startsWith("reusing " + image + " (same recipe and packages"), progress::toString);
        assertEquals(builder.cached(recipe).orElseThrow().qcow2(), image);
    }

    @Test
    void theXrayAbsorptionBeamlineIsPinnedToTheImageTheRepositorysDebianRecipeMakes() {
        BaseImageRecipe debian = parser.load(RecipeFixtures.repositoryImages().resolve("base").resolve("debian-12-desktop.yaml"));
        BeamlineRecipe beamline = new RecipeLoader(RecipeFixtures.repositoryImages()).load()
                .beamline("xray-absorption-spectroscopy").orElseThrow();

        assertEquals(BaseImageBuilder.imageName(debian), beamline.baseImage().name(),
                "a changed base recipe is a new image: pin its new name in images/beamlines/xray-absorption-spectroscopy.yaml");
    }

    private Path copyOfRecipe() throws Exception {
        Path copy = dir.resolve("base").resolve("debian-12-desktop.yaml");
        Files.createDirectories(copy.getParent());
        Files.copy(RecipeFixtures.repositoryImages().resolve("base").resolve("debian-12-desktop.yaml"), copy);
        return copy;
    }
}
