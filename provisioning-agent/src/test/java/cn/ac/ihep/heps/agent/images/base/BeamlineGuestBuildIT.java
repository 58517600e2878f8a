package cn.ac.ihep.heps.agent.images.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cn.ac.ihep.heps.agent.images.RecipeFixtures;
import cn.ac.ihep.heps.agent.images.build.BuildSignal;
import cn.ac.ihep.heps.agent.images.build.GuestPlan;
import cn.ac.ihep.heps.agent.images.build.UserDataRenderer;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageParser;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageRecipe;
import cn.ac.ihep.heps.agent.images.recipe.BeamlineRecipe;
import cn.ac.ihep.heps.agent.images.recipe.InputResolver;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLoader;
import cn.ac.ihep.heps.agent.images.recipe.ResolvedBeamline;
import cn.ac.ihep.heps.agent.images.recipe.SiteConfig;
import cn.ac.ihep.heps.testsupport.vm.NoCloudSeed;
import cn.ac.ihep.heps.testsupport.vm.QemuGuest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image pipeline's guest script inside a real guest: the Debian base image booted under
 * QEMU emulation with, as its user data, the script {@code heps images build} gives a builder
 * VM, for a beamline made of the repository's {@code linux-vnc} and {@code pymca} components
 * (PyMca from Debian, fetched by the guest from deb.debian.org through user-mode networking).
 * Every step and check runs as root in the guest, and the completion signal is read from the
 * guest's serial console as the pipeline reads Nova's console log. Needs what
 * {@link BaseImageBootIT} needs and a way out to deb.debian.org, and runs only when
 * {@code HEPS_GUEST_BUILD_IT=1}: installing PyMca's 230 packages under emulation takes about
 * 20 minutes on two busy cores.
 */
class BeamlineGuestBuildIT {

    private static final Duration BUILD_LIMIT = Duration.ofMinutes(40);
    private static final String BUILD_ID = "a1b2c3d4e5";
    /** Opts in to this test, which takes longer than the rest of the module's tests together. */
    static final String OPT_IN = "HEPS_GUEST_BUILD_IT";

    @TempDir
    Path dir;

    @Test
    void theLinuxVncAndPymcaComponentsInstallAndPassTheirChecksInsideTheBaseImage() throws Exception {
        assumeTrue("1".equals(System.getenv(OPT_IN)), "skipped: it installs PyMca inside an emulated guest for about "
                + "20 minutes; set " + OPT_IN + "=1 to run it");
        Optional<String> missing = BaseImageBuilder.missingPrerequisite().or(QemuGuest::missingPrerequisite);
        assumeTrue(missing.isEmpty(), () -> "skipped: " + missing.orElseThrow());

        BaseImageRecipe base = new BaseImageParser().load(
                RecipeFixtures.repositoryImages().resolve("base").resolve("debian-12-desktop.yaml"));
        BuiltBaseImage image = new BaseImageBuilder(BaseImageBuilder.defaultCacheDir())
                .build(base, false, line -> System.out.println("base image: " + line));

        Path images = RecipeFixtures.copyOfRepositoryImages(dir);
        RecipeFixtures.write(images.resolve("beamlines/guest-build.yaml"), """
                id: guest-build
                base_image: {name: %s, os: linux}
                components:
                  - linux-vnc
                  - pymca
                """.formatted(image.name()));
        RecipeLibrary library = new RecipeLoader(images).load();
        BeamlineRecipe beamline = library.beamline("guest-build").orElseThrow();
        ResolvedBeamline inputs = new InputResolver(SiteConfig.empty()).resolve(beamline, library);
        String userData = UserDataRenderer.renderChecked(GuestPlan.of(BUILD_ID, "build", beamline, library, inputs, Optional.empty()));

        Path seed = NoCloudSeed.write(dir.resolve("seed.iso"), "guest-build-" + System.nanoTime(), "heps-guest-build", userData);
        Instant booted = Instant.now();
        try (QemuGuest guest = QemuGuest.boot(image.qcow2(), dir, seed, 5900, BUILD_LIMIT)) {
            BuildSignal signal = null;
            while (signal == null && guest.isRunning() && Instant.now().isBefore(booted.plus(BUILD_LIMIT))) {
                Thread.sleep(5_000);
                signal = BuildSignal.find(guest.serialText(), BUILD_ID, "build").orElse(null);
            }
            String console = guest.serialTail(60);
            assertTrue(signal != null, () -> "no completion signal from the guest; the console ends with:\n" + console);
            System.out.printf("guest build of linux-vnc and pymca: signal after %d s: %s%n",
                    Duration.between(booted, Instant.now()).toSeconds(), signal);
            BuildSignal result = signal;
            assertTrue(result.passed(), () -> result + "; the console ends with:\n" + console);
            assertEquals(Map.of("linux-vnc", true, "pymca", true), result.checks());
        }
    }
}
