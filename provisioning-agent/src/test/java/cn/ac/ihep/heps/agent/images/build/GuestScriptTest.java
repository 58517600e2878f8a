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
import cn.ac.ihep.heps.agent.images.recipe.ResolvedBeamline;
import cn.ac.ihep.heps.agent.images.recipe.SiteConfig;
import cn.ac.ihep.heps.agent.images.recipe.SiteConfigLoader;
import java.io.IOException;
import java.net.URI;
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
public class GuestScriptTest {

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
        ResolvedBeamline inputs = new InputResolver(SiteConfig.empty()).resolve(sandbox, library);
        return runGuest(GuestPlan.of("0123456789", phase, sandbox, library, inputs, Optional.empty()), Map.of());
    }

    private Run runGuest(GuestPlan plan, Map<String, String> environment) throws IOException, InterruptedException {
        String phase = plan.phase();
        Path script = temp.resolve("user-data-" + phase);
        Files.writeString(script, UserDataRenderer.renderChecked(plan));
        Path console = temp.resolve("console-" + phase);
        ProcessBuilder bash = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
                .redirectOutput(temp.resolve("output-" + phase).toFile());
        bash.environment().putAll(Map.of("HEPS_STAGING", temp.resolve("staging").toString(),
                "HEPS_LOG", temp.resolve("heps-build.log").toString(), "HEPS_CONSOLES", console.toString(),
                "HEPS_DPKG_UNSAFE_IO_FILE", temp.resolve("dpkg-unsafe-io").toString()));
        bash.environment().putAll(environment);
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

    private static final URI PROXY = URI.create("http://10.42.0.1:3142");

    @Test
    void aBuildWithAPackageProxyGivesItToAptAndTheStepsAndRemovesItBeforeTheEnd() throws Exception {
        Path images = temp.resolve("proxied-images");
        write(images.resolve("components/proxy-probe.yaml"), """
                name: proxy-probe
                version: "1.0"
                platforms:
                  linux:
                    steps:
                      - name: record proxy
                        run: |
                          printf '%s %s %s' "$http_proxy" "$https_proxy" "$no_proxy" > "$HEPS_STAGING/../proxy-env"
                          cp "$HEPS_APT_PROXY_FILE" "$HEPS_STAGING/../apt-conf"
                          cp "$HEPS_DPKG_UNSAFE_IO_FILE" "$HEPS_STAGING/../dpkg-conf"
                      - name: fail
                        run: |
                          exit 4
                    check: |
                      test -n "$http_proxy"
                """);
        write(images.resolve("beamlines/sandbox.yaml"), """
                id: sandbox
                base_image: {name: ubuntu, os: linux}
                components:
                  - proxy-probe
                """);
        RecipeLibrary library = new RecipeLoader(images).load();
        BeamlineRecipe sandbox = library.beamline("sandbox").orElseThrow();
        GuestPlan plan = GuestPlan.of("0123456789", "build", sandbox, library,
                new InputResolver(SiteConfig.empty()).resolve(sandbox, library), Optional.empty())
                .withPackageProxy(Optional.of(PROXY));
        Path aptFile = temp.resolve("apt.conf.d/90heps-proxy");
        Files.createDirectories(aptFile.getParent());

        Run run = runGuest(plan, Map.of("HEPS_APT_PROXY_FILE", aptFile.toString()));

        // The build fails on purpose: a successful one would clean this machine up as if it were an image.
        assertEquals("proxy-probe/fail", BuildSignal.find(run.console(), "0123456789", "build").orElseThrow().failedStep());
        assertEquals("Acquire::http::Proxy \"http://10.42.0.1:3142\";\nAcquire::https::Proxy \"http://10.42.0.1:3142\";\n",
                Files.readString(temp.resolve("apt-conf")), "apt had the proxy while the steps ran");
        assertEquals("http://10.42.0.1:3142 http://10.42.0.1:3142 " + CloudInitUserData.NO_PROXY, Files.readString(temp.resolve("proxy-env")));
        assertEquals(Map.of("proxy-probe", true), BuildSignal.find(run.console(), "0123456789", "build").orElseThrow().checks(),
                "the checks see the proxy too");
        assertFalse(Files.exists(aptFile), "the apt proxy setting is gone when the script ends");
        assertEquals("force-unsafe-io\n", Files.readString(temp.resolve("dpkg-conf")), "dpkg did not sync each file while the steps ran");
        assertFalse(Files.exists(temp.resolve("dpkg-unsafe-io")), "dpkg syncs again in the image");
    }

    @Test
    void theLinuxScriptUsesThePackageProxyOnlyWhenTheSiteHasOneAndDropsItBeforeTheImageIsSealed() {
        GuestPlan plain = repositoryPlan("high-pressure", "build");

        String without = UserDataRenderer.renderChecked(plain);
        String with = UserDataRenderer.renderChecked(plain.withPackageProxy(Optional.of(PROXY)));

        for (String proxied : List.of("90heps-proxy", "Acquire::http::Proxy", "http_proxy", "https_proxy", "10.42.0.1")) {
            assertFalse(without.contains(proxied), proxied + " without a package proxy");
            assertTrue(with.contains(proxied), proxied + " with a package proxy");
        }
        assertTrue(with.contains(": \"${HEPS_APT_PROXY_FILE:=/etc/apt/apt.conf.d/90heps-proxy}\"\n"), with);
        assertTrue(with.contains("Acquire::http::Proxy \"http://10.42.0.1:3142\";\nAcquire::https::Proxy \"http://10.42.0.1:3142\";\n"));
        int aptFile = with.indexOf("cat > \"$HEPS_APT_PROXY_FILE\"");
        int firstStep = with.indexOf("  heps_run ");
        int removed = with.indexOf("rm -f \"$HEPS_APT_PROXY_FILE\"");
        assertTrue(aptFile > 0 && aptFile < firstStep, "apt has the proxy before the first step");
        assertTrue(removed > with.lastIndexOf("heps_run "), "the proxy is removed after the last check");
        assertTrue(removed < with.indexOf("cloud-init clean") && removed < with.indexOf("heps_signal \"status="),
                "the proxy is removed before the image is sealed and the builder is stopped");
        int unsafe = without.indexOf("cat > \"$HEPS_DPKG_UNSAFE_IO_FILE\"");
        int safeAgain = without.indexOf("rm -f \"$HEPS_DPKG_UNSAFE_IO_FILE\"");
        assertTrue(unsafe > 0 && unsafe < without.indexOf("  heps_run "), "dpkg skips its syncs from the first step");
        assertTrue(safeAgain > without.lastIndexOf("heps_run ") && safeAgain < without.indexOf("cloud-init clean"),
                "dpkg's setting is removed before the image is sealed");
        assertFalse(UserDataRenderer.renderChecked(repositoryPlan("high-pressure", "validate")).contains("HEPS_DPKG_UNSAFE_IO_FILE"),
                "a validation boot installs nothing and changes nothing of dpkg's");
        assertBashSyntax("proxied-build", with);
        assertBashSyntax("proxied-validate", UserDataRenderer.renderChecked(
                repositoryPlan("high-pressure", "validate").withPackageProxy(Optional.of(PROXY))));
    }

    /** One of the repository's beamlines with the example site's inputs, without a package proxy. */
    private GuestPlan repositoryPlan(String beamlineId, String phase) {
        RecipeLibrary library = new RecipeLoader(RecipeFixtures.repositoryImages()).load();
        BeamlineRecipe beamline = library.beamline(beamlineId).orElseThrow();
        ResolvedBeamline inputs = new InputResolver(exampleSite(temp)).resolve(beamline, library);
        return GuestPlan.of("0123456789", phase, beamline, library, inputs, Optional.empty());
    }

    @Test
    void theWindowsScriptGivesThePackageProxyToTheStepsProcessOnly() {
        GuestPlan plain = repositoryPlan("hard-xray-imaging", "build");

        String without = UserDataRenderer.renderChecked(plain);
        String with = UserDataRenderer.renderChecked(plain.withPackageProxy(Optional.of(PROXY)));

        assertTrue(without.contains("$HepsProxyEnv = @{}\n"));
        assertFalse(without.contains("HTTP_PROXY") || without.contains("10.42.0.1"));
        assertTrue(with.contains("$HepsProxyEnv = @{ HTTP_PROXY = 'http://10.42.0.1:3142'; HTTPS_PROXY = 'http://10.42.0.1:3142'; "
                + "NO_PROXY = '" + CloudInitUserData.NO_PROXY + "' }\n"), with);
        assertEquals(2, with.split("10\\.42\\.0\\.1", -1).length - 1,
                "the proxy appears in that line only, nothing sets it machine-wide: " + with);
        assertTrue(with.contains("$variables = @{} + $HepsProxyEnv"), "Invoke-HepsScript sets and removes it around each step");
    }

    /** Values for every required input of the repository's recipes, as a site would set them. */
    public static SiteConfig exampleSite(Path dir) {
        return new SiteConfigLoader().load(exampleSiteFile(dir));
    }

    /**
     * The example site file without its entries for {@code component} (its general and per-OS
     * ones), as a site that has not put that component's installer in its artifact store.
     */
    public static Path exampleSiteFileWithout(Path dir, String component) {
        try {
            Path file = exampleSiteFile(dir);
            StringBuilder kept = new StringBuilder();
            boolean dropping = false;
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith("  ") && !line.startsWith("    ")) {
                    String key = line.trim().replace(":", "");
                    dropping = key.equals(component) || key.startsWith(component + "@");
                } else if (!line.startsWith("    ")) {
                    dropping = false;
                }
                if (!dropping) {
                    kept.append(line).append('\n');
                }
            }
            return Files.writeString(file, kept.toString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The example site file, written into {@code dir}. */
    public static Path exampleSiteFile(Path dir) {
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
                  dioptas:
                    pip_index_url: https://pypi.heps.example/simple
                  pdfgui:
                    pip_index_url: https://pypi.heps.example/simple
                build:
                  flavor: m1.builder
                  network: heps-build-net
                  keep: "2"
                """.formatted("cd".repeat(32)));
        write(file, yaml.toString());
        return file;
    }

    @Test
    void everyBeamlineRendersWithinNovasUserDataLimitInBothPhases() {
        RecipeLibrary library = new RecipeLoader(RecipeFixtures.repositoryImages()).load();
        InputResolver resolver = new InputResolver(exampleSite(temp));
        for (BeamlineRecipe beamline : library.beamlines().values()) {
            ResolvedBeamline inputs = resolver.resolve(beamline, library);
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
        ResolvedBeamline inputs = new InputResolver(exampleSite(temp)).resolve(imaging, library);

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

        assertTrue(error.getMessage().contains("component 'ad-join' needs input 'domain'"), error.getMessage());
        assertTrue(error.getMessage().contains("inputs.ad-join.domain"), error.getMessage());
        assertFalse(error.getMessage().contains("fit2d"), "FIT2D's installer is site-provided: it is skipped, not an error");
    }

    @Test
    void aSkippedComponentIsNeitherInstalledNorChecked() {
        RecipeLibrary library = new RecipeLoader(RecipeFixtures.repositoryImages()).load();
        BeamlineRecipe imaging = library.beamline("hard-xray-imaging").orElseThrow();
        SiteConfig site = new SiteConfigLoader().load(exampleSiteFileWithout(temp, "avizo"));
        ResolvedBeamline inputs = new InputResolver(site).resolve(imaging, library);

        for (String phase : List.of(BuildConventions.PHASE_BUILD, BuildConventions.PHASE_VALIDATE)) {
            GuestPlan plan = GuestPlan.of("0123456789", phase, imaging, library, inputs, Optional.empty());
            assertEquals(List.of("nvidia-driver", "windows-rdp", "ad-join", "storage-mounts", "vgstudio-max"),
                    plan.components().stream().map(GuestPlan.GuestComponent::name).toList());
            String userData = UserDataRenderer.renderChecked(plan);
            assertFalse(userData.toLowerCase(java.util.Locale.ROOT).contains("avizo"), phase + ": " + userData);
            assertTrue(userData.contains("vgstudio-max"), phase);
        }
    }
}
