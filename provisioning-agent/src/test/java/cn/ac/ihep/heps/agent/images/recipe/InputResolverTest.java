package cn.ac.ihep.heps.agent.images.recipe;

import static cn.ac.ihep.heps.agent.images.RecipeFixtures.copyOfRepositoryImages;
import static cn.ac.ihep.heps.agent.images.RecipeFixtures.replace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cn.ac.ihep.heps.agent.images.RecipeFixtures;
import cn.ac.ihep.heps.agent.images.build.GuestScriptTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which components a site's inputs install, which they skip and which inputs are missing. */
class InputResolverTest {

    @TempDir
    Path temp;

    private final RecipeLibrary library = new RecipeLoader(RecipeFixtures.repositoryImages()).load();

    private SiteConfig siteWithout(String component) {
        return new SiteConfigLoader().load(GuestScriptTest.exampleSiteFileWithout(temp, component));
    }

    @Test
    void aComponentWhoseSiteProvidedInputIsUnsetIsSkippedWithTheReason() {
        BeamlineRecipe imaging = library.beamline("hard-xray-imaging").orElseThrow();

        ResolvedBeamline resolved = new InputResolver(siteWithout("avizo")).resolve(imaging, library);

        assertEquals(List.of("nvidia-driver", "windows-rdp", "ad-join", "storage-mounts", "vgstudio-max"),
                resolved.installed().stream().map(InputResolver.ResolvedInputs::component).toList());
        assertEquals(List.of(new SkippedComponent("avizo", "installer_url", "input installer_url (URL of the Avizo installer "
                + "in the site's artifact store) is not set; set inputs.avizo.installer_url in the site file to install it")),
                resolved.skipped());
        assertEquals("avizo: skipped, input installer_url (URL of the Avizo installer in the site's artifact store) is not set; "
                + "set inputs.avizo.installer_url in the site file to install it", resolved.skipped().get(0).describe());
    }

    @Test
    void theFirstUnsetSiteProvidedInputIsNamedWhenOthersAreSet() {
        BeamlineRecipe highPressure = library.beamline("high-pressure").orElseThrow();
        SiteConfig site = GuestScriptTest.exampleSite(temp);
        Map<String, Map<String, String>> inputs = new TreeMap<>(site.inputs());
        inputs.put("fit2d", Map.of("binary_url", "https://artifacts.heps.example/fit2d/fit2d_18.002"));
        SiteConfig noChecksum = new SiteConfig(inputs, site.build());

        ResolvedBeamline resolved = new InputResolver(noChecksum).resolve(highPressure, library);

        assertEquals(List.of("fit2d"), resolved.skippedNames());
        assertEquals("binary_sha256", resolved.skipped().get(0).input());
    }

    @Test
    void aBeamlineValueKeepsTheComponent() {
        Path images = copyOfRepositoryImages(temp);
        replace(images.resolve("beamlines/high-pressure.yaml"), "  - dioptas",
                "  - name: dioptas\n    inputs:\n      pip_index_url: https://pypi.b6.example/simple");
        RecipeLibrary changed = new RecipeLoader(images).load();

        ResolvedBeamline resolved = new InputResolver(siteWithout("dioptas")).resolve(changed.beamline("high-pressure").orElseThrow(), changed);

        assertEquals(List.of(), resolved.skipped());
        assertEquals("https://pypi.b6.example/simple", resolved.installed().stream()
                .filter(inputs -> inputs.component().equals("dioptas")).findFirst().orElseThrow().values().get("pip_index_url"));
    }

    @Test
    void aMissingInputThatIsNotSiteProvidedIsStillAnErrorAndAllAreReportedTogether() {
        Path images = copyOfRepositoryImages(temp);
        replace(images.resolve("components/linux-desktop.yaml"), "    default: /etc/heps/desktop.env\n", "");
        RecipeLibrary changed = new RecipeLoader(images).load();
        BeamlineRecipe highPressure = changed.beamline("high-pressure").orElseThrow();
        InputResolver resolver = new InputResolver(SiteConfig.empty());

        RecipeException error = assertThrows(RecipeException.class, () -> resolver.resolve(highPressure, changed));

        assertEquals(List.of("components.linux-desktop.inputs.desktop_env_file", "components.ad-join.inputs.domain"),
                error.problems().stream().map(RecipeProblem::field).toList());
        assertFalse(error.getMessage().contains("fit2d") || error.getMessage().contains("dioptas"), error.getMessage());
        // The skip decisions alone are known even from an incomplete site file, for a plan.
        assertEquals(List.of("fit2d", "dioptas"), resolver.skipped(highPressure, changed).stream()
                .map(SkippedComponent::component).toList());
    }
}
