package cn.ac.ihep.heps.agent.images.build;

import static cn.ac.ihep.heps.agent.images.RecipeFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.images.RecipeFixtures;
import cn.ac.ihep.heps.agent.images.recipe.BeamlineRecipe;
import cn.ac.ihep.heps.agent.images.recipe.InputResolver;
import cn.ac.ihep.heps.agent.images.recipe.OsFamily;
import cn.ac.ihep.heps.agent.images.recipe.RecipeException;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLoader;
import cn.ac.ihep.heps.agent.images.recipe.SiteConfig;
import cn.ac.ihep.heps.agent.images.recipe.SiteConfigLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the rendered Linux guest script with bash, the way cloud-init would, on small components
 * that touch only a temporary directory, and reads the signal from the "console" it wrote.
 */
class GuestScriptTest {

    @TempDir
    Path temp;

    private RecipeLibrary sandboxRecipes(String secondCheck) {
        Path images = temp.resolve("images");
        write(images.resolve("components/marker-file.yaml"), """
                name: marker-file
                version: "1.0"
                inputs:
                  - name: target
                    description: where the marker goes
                  - name: content
                    default: "it's $(not) expanded; `really`"
                platforms:
                  linux:
                    steps:
                      - name: write marker
                        run: |
                          printf '%s' "$CONTENT" > "$TARGET"
                          echo "$HEPS_COMPONENT $HEPS_COMPONENT_VERSION" > "$TARGET.who"
                    check: |
                      test "$(cat "$TARGET")" = "$CONTENT"
                      test "$(cat "$TARGET.who")" = "marker-file 1.0"
                """);
        write(images.resolve("components/second.yaml"), """
                name: second
                version: "2.1"
                platforms:
                  linux:
                    steps:
                      - name: Fail If Asked
                        run: |
                          test ! -e "$HEPS_STAGING/../fail-second"
                    check: |
                """ + "      " + secondCheck + "\n");
        write(images.resolve("beamlines/sandbox.yaml"), """
                id: sandbox
                base_image: {name: ubuntu, os: linux}
                components:
                  - name: marker-file
                    inputs:
                      target: %s
                  - second
                """.formatted(temp.resolve("marker")));
        return new RecipeLoader(images).load();
    }

    private record Run(int exitCode, String console) {
    }

    private Run runGuest(RecipeLibrary library, String phase) throws IOException, InterruptedException {
        BeamlineRecipe sandbox = library.beamline("sandbox").orElseThrow();
        List<InputResolver.ResolvedInputs> inputs = new InputResolver(SiteConfig.empty()).resolve(sandbox, library);
        GuestPlan plan = GuestPlan.of("0123456789", phase, sandbox, library, inputs, Optional.empty());
        Path script = temp.resolve("user-data-" + phase);
        Files.writeString(script, UserDataRenderer.renderChecked(plan));
        Path console = temp.resolve("console-" + phase);
        ProcessBuilder bash = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
                .redirectOutput(temp.resolve("output-" + phase).toFile());
        bash.environment().putAll(Map.of("HEPS_STAGING", temp.resolve("staging").toString(),
                "HEPS_LOG", temp.resolve("heps-build.log").toString(), "HEPS_CONSOLES", console.toString()));
        Process process = bash.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the guest script finished");
        return new Run(process.exitValue(), Files.exists(console) ? Files.readString(console, StandardCharsets.UTF_8) : "");
    }

    @Test
    void aValidationRunReportsEveryCheckOnTheConsole() throws Exception {
        Files.writeString(temp.resolve("marker"), "it's $(not) expanded; `really`");
        Files.writeString(temp.resolve("marker.who"), "marker-file 1.0\n");

        Run run = runGuest(sandboxRecipes("true"), "validate");

        assertEquals(0, run.exitCode(), run.console());
        BuildSignal signal = BuildSignal.find(run.console(), "0123456789", "validate").orElseThrow();
        assertTrue(signal.passed(), run.console());
        assertEquals(Map.of("marker-file", true, "second", true), signal.checks());
        assertFalse(Files.exists(temp.resolve("staging")), "the staging directory is removed");
    }

    @Test
    void aFailedCheckIsNamedInTheSignal() throws Exception {
        Run run = runGuest(sandboxRecipes("exit 3"), "validate");

        assertEquals(1, run.exitCode());
        BuildSignal signal = BuildSignal.find(run.console(), "0123456789", "validate").orElseThrow();
        assertFalse(signal.passed());
        assertEquals(List.of("marker-file", "second"), signal.failedChecks(), "no marker file exists in a validation run");
    }

    @Test
    void aFailedStepStopsTheBuildAndIsNamed() throws Exception {
        Files.writeString(temp.resolve("fail-second"), "");

        Run run = runGuest(sandboxRecipes("true"), "build");

        assertEquals(1, run.exitCode());
        BuildSignal signal = BuildSignal.find(run.console(), "0123456789", "build").orElseThrow();
        assertEquals("second/fail-if-asked", signal.failedStep());
        // The first component installed for real, with its input passed through unexpanded.
        assertEquals("it's $(not) expanded; `really`", Files.readString(temp.resolve("marker")));
        assertEquals(Map.of("marker-file", true, "second", true), signal.checks());
    }

    /** Values for every required input of the repository's recipes, as a site would set them. */
    static SiteConfig exampleSite(Path dir) {
        Path file = dir.resolve("images-site.yaml");
        StringBuilder yaml = new StringBuilder("inputs:\n");
        for (String component : List.of("nvidia-driver", "vgstudio-max", "avizo")) {
            yaml.append("  ").append(component).append(":\n")
                    .append("    installer_url: https://artifacts.heps.example/").append(component).append("/setup.exe\n")
                    .append("    installer_sha256: ").append("ab".repeat(32)).append('\n');
            if (!component.equals("nvidia-driver")) {
                yaml.append("    installer_arguments: /S\n    license_server: 27000@licence.heps.example\n");
            }
        }
        yaml.append("""
                  nvidia-driver@linux:
                    installer_url: https://artifacts.heps.example/nvidia/NVIDIA-Linux-x86_64-550.127.05.run
                  fit2d:
                    binary_url: https://artifacts.heps.example/fit2d/fit2d_18.002
                    binary_sha256: %s
                  ad-join:
                    domain: heps.ihep.example
                  storage-mounts:
                    nfs_server: hepsfs.ihep.example
                    smb_share: \\\\hepsfs.ihep.example\\data
                """.formatted("cd".repeat(32)));
        write(file, yaml.toString());
        return new SiteConfigLoader().load(file);
    }

    @Test
    void everyBeamlineRendersWithinNovasUserDataLimitInBothPhases() {
        RecipeLibrary library = new RecipeLoader(RecipeFixtures.repositoryImages()).load();
        InputResolver resolver = new InputResolver(exampleSite(temp));
        for (BeamlineRecipe beamline : library.beamlines().values()) {
            List<InputResolver.ResolvedInputs> inputs = resolver.resolve(beamline, library);
            for (String phase : List.of(BuildConventions.PHASE_BUILD, BuildConventions.PHASE_VALIDATE)) {
                String userData = UserDataRenderer.renderChecked(GuestPlan.of("0123456789", phase, beamline, library, inputs,
                        Optional.of(new SignalCredential("http://keystone/v3", "http://nova/v2.1", "cred-id", "s3cret"))));
                assertTrue(userData.startsWith(beamline.os() == OsFamily.WINDOWS ? "#ps1_sysnative\n" : "#!/bin/bash\n"));
                if (beamline.os() == OsFamily.LINUX) {
                    assertBashSyntax(beamline.id() + "-" + phase, userData);
                }
            }
        }
    }

    /** bash -n parses the whole script, here-documents included, without running it. */
    private void assertBashSyntax(String name, String script) {
        try {
            Path file = temp.resolve(name + ".sh");
            Files.writeString(file, script);
            Process check = new ProcessBuilder("bash", "-n", file.toString()).redirectErrorStream(true).start();
            String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(check.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, check.exitValue(), name + ": " + output);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theWindowsScriptSetsTheFrameIntervalAndGeneralisesOnlyAfterABuild() {
        RecipeLibrary library = new RecipeLoader(RecipeFixtures.repositoryImages()).load();
        BeamlineRecipe imaging = library.beamline("hard-xray-imaging").orElseThrow();
        List<InputResolver.ResolvedInputs> inputs = new InputResolver(exampleSite(temp)).resolve(imaging, library);

        String build = UserDataRenderer.renderChecked(GuestPlan.of("0123456789", "build", imaging, library, inputs, Optional.empty()));
        String validate = UserDataRenderer.renderChecked(GuestPlan.of("0123456789", "validate", imaging, library, inputs, Optional.empty()));

        assertTrue(build.contains("-Name DWMFRAMEINTERVAL -PropertyType DWord -Value ([int]$env:FRAME_INTERVAL)"));
        assertTrue(build.contains("FRAME_INTERVAL = '15'"));
        assertTrue(build.contains("sysprep.exe"));
        assertFalse(validate.contains("sysprep.exe"));
        assertFalse(validate.contains("Get-HepsArtifact -Url"), "a validation boot installs nothing");
        assertTrue(validate.contains("Send-HepsSignal \"status=ok checks=$HepsCheckList\""));
    }

    @Test
    void aMissingSiteInputIsNamedBeforeAnythingIsBuilt() {
        RecipeLibrary library = new RecipeLoader(RecipeFixtures.repositoryImages()).load();
        BeamlineRecipe highPressure = library.beamline("high-pressure").orElseThrow();

        RecipeException error = org.junit.jupiter.api.Assertions.assertThrows(RecipeException.class,
                () -> new InputResolver(SiteConfig.empty()).resolve(highPressure, library));

        assertTrue(error.getMessage().contains("component 'fit2d' needs input 'binary_url'"), error.getMessage());
        assertTrue(error.getMessage().contains("inputs.ad-join.domain"), error.getMessage());
    }
}
