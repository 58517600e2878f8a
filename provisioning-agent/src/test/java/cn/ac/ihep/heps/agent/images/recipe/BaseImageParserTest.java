package cn.ac.ihep.heps.agent.images.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.images.RecipeFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repository's base image recipe is valid; broken copies are refused with file, line and field. */
class BaseImageParserTest {

    @TempDir
    Path dir;

    @Test
    void theRepositorysDebianRecipeNamesAKernelCloudInitADesktopAndVncFromDebianOnly() {
        BaseImageRecipe recipe = new BaseImageParser().load(repositoryRecipe());

        assertEquals("debian-12-desktop", recipe.name());
        assertEquals(OsFamily.LINUX, recipe.os());
        assertEquals("bookworm", recipe.suite());
        assertTrue(recipe.packages().containsAll(List.of("linux-image-amd64", "grub-pc-bin", "cloud-init", "systemd-sysv",
                "xserver-xorg-core", "lightdm", "x11vnc", "tigervnc-tools")), recipe.packages()::toString);
        assertEquals(List.of(
                "deb http://deb.debian.org/debian bookworm main",
                "deb http://deb.debian.org/debian bookworm-updates main",
                "deb http://deb.debian.org/debian-security bookworm-security main"), recipe.sources());
        assertTrue(recipe.sources().stream().allMatch(source -> source.startsWith("deb http://deb.debian.org/")));
    }

    @Test
    void aBrokenCopyListsEveryProblemWithItsLine() throws Exception {
        Path copy = dir.resolve("debian-12-desktop.yaml");
        String text = Files.readString(repositoryRecipe())
                .replace("disk_size_gib: 3", "disk_size_gib: lots")
                .replace("  - xterm\n", "  - xterm\n  - Not_A_Package\n  - openbox\n")
                .replace("suite: bookworm", "suite: bookworm\npackage_list: []");
        Files.writeString(copy, text);

        RecipeException e = assertThrows(RecipeException.class, () -> new BaseImageParser().load(copy));

        List<String> messages = e.problems().stream().map(RecipeProblem::toString).toList();
        assertEquals(4, messages.size(), messages::toString);
        assertTrue(messages.stream().anyMatch(m -> m.matches(".*debian-12-desktop.yaml:10: field 'package_list' is not known; did you mean 'packages'\\?")), messages::toString);
        assertTrue(messages.stream().anyMatch(m -> m.matches(".*:\\d+: 'disk_size_gib' is 'lots': a whole number of GiB from 1 to 64")), messages::toString);
        assertTrue(messages.stream().anyMatch(m -> m.matches(".*:\\d+: 'packages\\[\\d+\\]' is 'Not_A_Package': expected a Debian package name")), messages::toString);
        assertTrue(messages.stream().anyMatch(m -> m.contains("package 'openbox' is listed twice")), messages::toString);
    }

    @Test
    void aNameThatDiffersFromTheFileIsRefused() throws Exception {
        Path copy = dir.resolve("debian-13-desktop.yaml");
        Files.copy(repositoryRecipe(), copy);

        RecipeException e = assertThrows(RecipeException.class, () -> new BaseImageParser().load(copy));

        assertTrue(e.getMessage().contains("field 'name' is 'debian-12-desktop' but the file is named 'debian-13-desktop.yaml'"),
                e.getMessage());
    }

    private static Path repositoryRecipe() {
        return RecipeFixtures.repositoryImages().resolve("base").resolve("debian-12-desktop.yaml");
    }
}
