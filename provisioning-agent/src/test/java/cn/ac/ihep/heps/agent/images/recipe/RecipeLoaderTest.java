package cn.ac.ihep.heps.agent.images.recipe;

import static cn.ac.ihep.heps.agent.images.RecipeFixtures.copyOfRepositoryImages;
import static cn.ac.ihep.heps.agent.images.RecipeFixtures.replace;
import static cn.ac.ihep.heps.agent.images.RecipeFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.images.RecipeFixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeLoaderTest {

    /** The beamlines named in the seed talk (HEPS phase one), one recipe each. */
    private static final Set<String> SEED_BEAMLINES = Set.of(
            "engineering-materials", "hard-xray-nanoprobe", "structural-dynamics", "hard-xray-coherent-scattering",
            "high-energy-resolution-spectroscopy", "high-pressure", "hard-xray-imaging", "xray-absorption-spectroscopy",
            "low-dimension-structure-probe", "biological-macromolecular-microfocus", "saxs-pink-beam",
            "nanoscale-electronic-structure", "transmission-xray-microscope", "tender-xray");

    @TempDir
    Path temp;

    @Test
    void theRepositoryRecipesAreValidAndCoverEveryBeamline() {
        RecipeLibrary library = new RecipeLoader(RecipeFixtures.repositoryImages()).load();

        assertEquals(SEED_BEAMLINES, library.beamlines().keySet());
        for (String required : List.of("nvidia-driver", "windows-rdp", "linux-vnc", "linux-xrdp", "ad-join",
                "storage-mounts", "vgstudio-max", "avizo", "fit2d", "dioptas", "pymca", "pdfgui")) {
            assertTrue(library.components().containsKey(required), required);
        }
        BeamlineRecipe imaging = library.beamline("hard-xray-imaging").orElseThrow();
        assertEquals(OsFamily.WINDOWS, imaging.os());
        assertTrue(imaging.gpu());
        assertEquals(List.of("nvidia-driver", "windows-rdp", "ad-join", "storage-mounts", "vgstudio-max", "avizo"),
                imaging.components().stream().map(ComponentUse::name).toList());
        BeamlineRecipe highPressure = library.beamline("high-pressure").orElseThrow();
        assertTrue(highPressure.components().stream().map(ComponentUse::name).toList().containsAll(List.of("fit2d", "dioptas")));
        Component nvidia = library.component("nvidia-driver");
        assertEquals("550.127.05", nvidia.versionFor(OsFamily.LINUX));
        assertEquals("553.24", nvidia.versionFor(OsFamily.WINDOWS));
    }

    @Test
    void aBeamlineSetsInputsForItsComponents() {
        Path images = copyOfRepositoryImages(temp);
        replace(images.resolve("beamlines/high-pressure.yaml"), "  - ad-join", "  - name: ad-join\n    inputs:\n      login_group: heps-high-pressure");

        BeamlineRecipe highPressure = new RecipeLoader(images).load().beamline("high-pressure").orElseThrow();

        assertEquals(Map.of("login_group", "heps-high-pressure"), highPressure.components().get(3).inputs());
        assertEquals(Map.of(), highPressure.components().get(4).inputs());
    }

    @Test
    void theRdpComponentLiftsTheFrameRateCap() {
        Component rdp = new RecipeLoader(RecipeFixtures.repositoryImages()).load().component("windows-rdp");
        String steps = rdp.platform(OsFamily.WINDOWS).orElseThrow().steps().stream().map(Step::run).collect(Collectors.joining("\n"));
        assertTrue(steps.contains("DWMFRAMEINTERVAL"));
        assertEquals("15", rdp.input(OsFamily.WINDOWS, "frame_interval").orElseThrow().defaultValue());
    }

    @Test
    void theRdpComponentSetsWhatSingleSignOnNeeds() {
        Component rdp = new RecipeLoader(RecipeFixtures.repositoryImages()).load().component("windows-rdp");
        PlatformRecipe windows = rdp.platform(OsFamily.WINDOWS).orElseThrow();
        String steps = windows.steps().stream().map(Step::run).collect(Collectors.joining("\n"));
        assertTrue(steps.contains("-Name UserAuthentication -Value 1"), "network level authentication");
        assertTrue(steps.contains("-Name fPromptForPassword -Value 0"), "the client's credentials, no second prompt");
        assertTrue(windows.check().contains("fPromptForPassword"));
        // New-Item -Force on a registry key empties it: a later step must not wipe the policy values.
        assertFalse(steps.contains("New-Item -Path $policy -Force"), steps);
    }

    @Test
    void aMisspelledFieldIsNamedWithItsLineAndTheNearestValidName() {
        Path images = copyOfRepositoryImages(temp);
        replace(images.resolve("beamlines/high-pressure.yaml"), "components:", "componets:");

        RecipeException error = assertThrows(RecipeException.class, () -> new RecipeLoader(images).load());

        assertTrue(error.problems().stream().anyMatch(problem -> problem.toString().equals(
                "images/beamlines/high-pressure.yaml:8: field 'componets' is not known; did you mean 'components'?")),
                error.getMessage());
        // The missing field is reported too, at the top of the document.
        assertTrue(error.getMessage().contains("images/beamlines/high-pressure.yaml:2: field 'components' is required"),
                error.getMessage());
    }

    @Test
    void anUnknownComponentIsNamedWithTheNearestExistingOne() {
        Path images = copyOfRepositoryImages(temp);
        replace(images.resolve("beamlines/high-pressure.yaml"), "  - dioptas", "  - dioptaz");

        RecipeException error = assertThrows(RecipeException.class, () -> new RecipeLoader(images).load());

        RecipeProblem problem = error.problems().get(0);
        assertEquals("images/beamlines/high-pressure.yaml", problem.file());
        assertEquals("components[6]", problem.field());
        assertEquals(15, problem.line());
        assertEquals("component 'dioptaz' does not exist in images/components; did you mean 'dioptas'?", problem.message());
    }

    @Test
    void nestedTyposAndWrongTypesAreReportedWithTheirPath() {
        Path images = copyOfRepositoryImages(temp);
        replace(images.resolve("components/fit2d.yaml"), "    check: |", "    chek: |");
        replace(images.resolve("beamlines/tender-xray.yaml"), "gpu: false", "gpu: maybe");
        replace(images.resolve("beamlines/tender-xray.yaml"), "  os: linux", "  os: linu");
        replace(images.resolve("beamlines/saxs-pink-beam.yaml"), "  - ad-join", "  - name: ad-join\n    inputs:\n      login_grup: heps-saxs");

        RecipeException error = assertThrows(RecipeException.class, () -> new RecipeLoader(images).load());
        String report = error.getMessage();

        assertTrue(report.contains("images/components/fit2d.yaml:37: field 'platforms.linux.chek' is not known; did you mean 'platforms.linux.check'?"), report);
        assertTrue(report.contains("images/beamlines/tender-xray.yaml:7: 'gpu' must be true or false"), report);
        assertTrue(report.contains("images/beamlines/tender-xray.yaml:6: 'base_image.os' is 'linu': it must be linux or windows; did you mean 'linux'?"), report);
        assertTrue(report.contains("images/beamlines/saxs-pink-beam.yaml:12: component 'ad-join' has no input 'login_grup'; did you mean 'login_group'?"), report);
    }

    @Test
    void siteProvidedInputsAreReadAndMayNotHaveADefault() {
        Component avizo = new RecipeLoader(RecipeFixtures.repositoryImages()).load().component("avizo");
        assertTrue(avizo.input(OsFamily.WINDOWS, "installer_url").orElseThrow().siteProvided());
        assertFalse(avizo.input(OsFamily.WINDOWS, "license_variable").orElseThrow().siteProvided(), "it has a default");

        Path images = copyOfRepositoryImages(temp);
        replace(images.resolve("components/pdfgui.yaml"), "    site_provided: true",
                "    site_provided: true\n    default: https://pypi.org/simple");
        replace(images.resolve("components/fit2d.yaml"), "    site_provided: true", "    site_provided: yes please");

        RecipeException error = assertThrows(RecipeException.class, () -> new RecipeLoader(images).load());

        assertTrue(error.getMessage().contains("images/components/pdfgui.yaml:12: site-provided input 'pip_index_url' must not "
                + "have a default: only the site can give its value"), error.getMessage());
        assertTrue(error.getMessage().contains("images/components/fit2d.yaml:11: 'inputs[0].site_provided' must be true or false"),
                error.getMessage());
    }

    @Test
    void aComponentWithoutStepsForTheBeamlinesOsIsRefused() {
        Path images = copyOfRepositoryImages(temp);
        replace(images.resolve("beamlines/high-pressure.yaml"), "  - fit2d", "  - avizo");

        RecipeException error = assertThrows(RecipeException.class, () -> new RecipeLoader(images).load());

        assertEquals("images/beamlines/high-pressure.yaml:14: component 'avizo' has no steps for linux (it supports [windows])",
                error.problems().get(0).toString());
    }

    @Test
    void brokenYamlAndReservedPropertiesAndMismatchedNamesAreAllReportedInOneRun() {
        Path images = copyOfRepositoryImages(temp);
        write(images.resolve("components/broken.yaml"), "name: broken\nversion: [1\n");
        replace(images.resolve("beamlines/tender-xray.yaml"), "  os_distro: ubuntu", "  heps_beamline: other");
        replace(images.resolve("components/pymca.yaml"), "name: pymca", "name: pymca5");

        RecipeException error = assertThrows(RecipeException.class, () -> new RecipeLoader(images).load());
        String report = error.getMessage();

        assertTrue(report.contains("images/components/broken.yaml:3: not valid YAML"), report);
        assertTrue(report.contains("images/beamlines/tender-xray.yaml:16: property 'heps_beamline' is set by the build"), report);
        assertTrue(report.contains("images/components/pymca.yaml:3: field 'name' is 'pymca5' but the file is named 'pymca.yaml'"), report);
        // pymca no longer loads, so the beamlines that use it report the missing component.
        assertTrue(report.contains("component 'pymca' does not exist"), report);
    }

    @Test
    void aFileThatIsNotUtf8IsNamed() throws Exception {
        Path images = copyOfRepositoryImages(temp);
        java.nio.file.Files.write(images.resolve("components/latin1.yaml"), "name: caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

        RecipeException error = assertThrows(RecipeException.class, () -> new RecipeLoader(images).load());

        assertEquals("images/components/latin1.yaml: the file is not UTF-8 text; save it as UTF-8", error.getMessage());
    }

    @Test
    void duplicateKeysAndDuplicateComponentsAreRefused() {
        Path images = copyOfRepositoryImages(temp);
        replace(images.resolve("beamlines/high-pressure.yaml"), "gpu: false", "gpu: false\ngpu: true");
        replace(images.resolve("beamlines/engineering-materials.yaml"), "  - fit2d", "  - fit2d\n  - fit2d");

        RecipeException error = assertThrows(RecipeException.class, () -> new RecipeLoader(images).load());
        String report = error.getMessage();

        assertTrue(report.contains("images/beamlines/high-pressure.yaml:8:") && report.contains("gpu"), report);
        assertTrue(report.contains("images/beamlines/engineering-materials.yaml:15: component 'fit2d' is listed twice"), report);
    }

    @Test
    void suggestionsStayWithinReason() {
        assertEquals("components", NameSuggester.nearest("componets", RecipeSchema.BEAMLINE_FIELDS).orElseThrow());
        assertEquals("base_image", NameSuggester.nearest("baseimage", RecipeSchema.BEAMLINE_FIELDS).orElseThrow());
        assertFalse(NameSuggester.nearest("colour", RecipeSchema.BEAMLINE_FIELDS).isPresent());
    }
}
