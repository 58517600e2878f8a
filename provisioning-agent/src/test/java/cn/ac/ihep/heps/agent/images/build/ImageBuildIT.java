package cn.ac.ihep.heps.agent.images.build;

import static cn.ac.ihep.heps.agent.images.RecipeFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.images.catalog.BuildImageProperties;
import cn.ac.ihep.heps.agent.images.catalog.CurrentImageRule;
import cn.ac.ihep.heps.agent.images.catalog.ImageCatalog;
import cn.ac.ihep.heps.agent.images.hash.RecipeHasher;
import cn.ac.ihep.heps.agent.images.recipe.BeamlineRecipe;
import cn.ac.ihep.heps.agent.images.recipe.InputResolver;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLoader;
import cn.ac.ihep.heps.agent.images.recipe.SiteConfig;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import cn.ac.ihep.heps.common.cloud.ServerQuery;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image build against the OpenStack test bed (real Keystone, Nova, Glance, Neutron; Nova's
 * fake hypervisor). The fake hypervisor runs no guest and its console output is a fixed text,
 * so this test plays the guest: it sets {@code heps.build-result} through the Compute API, as a
 * guest given the build's application credential does.
 */
class ImageBuildIT {

    @TempDir
    Path temp;

    private CloudProvider cloud;
    private String beamline;
    private RecipeLibrary library;
    private Thread guest;

    @BeforeEach
    void setUp() {
        cloud = OpenStackTestBed.find().provider();
        beamline = "it-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path images = temp.resolve("images");
        write(images.resolve("components/marker.yaml"), """
                name: marker
                version: "1.0"
                platforms:
                  linux:
                    steps:
                      - {name: write, run: "touch /var/lib/heps-marker"}
                    check: "test -e /var/lib/heps-marker"
                """);
        write(images.resolve("beamlines/" + beamline + ".yaml"), """
                id: %s
                base_image: {name: %s, os: linux}
                components: [marker]
                image_properties: {hw_machine_type: q35}
                """.formatted(beamline, OpenStackTestBed.LINUX_IMAGE));
        library = new RecipeLoader(images).load();
    }

    @AfterEach
    void removeWhatIsLeft() throws InterruptedException {
        if (guest != null) {
            guest.interrupt();
            guest.join(5000);
        }
        for (CloudServer server : ours()) {
            cloud.deleteServer(server.id());
        }
        for (CloudImage image : ourImages()) {
            cloud.deleteImage(image.id());
        }
    }

    private List<CloudServer> ours() {
        return cloud.listServers(ServerQuery.withTag(BuildConventions.BUILDER_TAG)).stream()
                .filter(server -> beamline.equals(server.metadata().get(BuildConventions.META_BEAMLINE))).toList();
    }

    /** Unfinished (unvalidated) and finished images of this test's beamline. */
    private List<CloudImage> ourImages() {
        List<CloudImage> images = new java.util.ArrayList<>(cloud.listImages(
                Map.of(BuildImageProperties.BUILD_STATE, BuildImageProperties.STATE_UNVALIDATED)));
        images.addAll(cloud.listImages(Map.of(ImageProperties.BEAMLINE, beamline)));
        return images.stream().filter(image -> image.name() != null && image.name().startsWith("heps-" + beamline + "-"))
                .distinct().toList();
    }

    /** Plays the guest: once a VM of this beamline is up, sets the result line its user data would send. */
    private void playGuest(boolean stepSucceeds) {
        guest = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    answerBootedVms(stepSucceeds);
                } catch (RuntimeException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        return; // the test is over; its cleanup interrupted a call in flight
                    }
                    throw e;
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "played-guest");
        guest.setDaemon(true);
        guest.start();
    }

    private void answerBootedVms(boolean stepSucceeds) {
        for (CloudServer server : ours()) {
            if (server.state() == cn.ac.ihep.heps.common.cloud.ServerState.ACTIVE
                    && !server.metadata().containsKey(BuildConventions.META_RESULT)) {
                Map<String, Boolean> checks = new LinkedHashMap<>();
                checks.put("marker", stepSucceeds);
                BuildSignal signal = new BuildSignal(server.metadata().get(BuildConventions.META_BUILD_ID),
                        server.metadata().get(BuildConventions.META_PHASE), stepSucceeds,
                        stepSucceeds ? null : "marker/write", checks);
                cloud.setServerMetadata(server.id(), Map.of(BuildConventions.META_RESULT, signal.toLine()));
            }
        }
    }

    private ImageBuilder builder(Duration imageTimeout) {
        BuildSettings settings = BuildSettings.defaults(OpenStackTestBed.CPU_FLAVOR, OpenStackTestBed.NETWORK)
                .withTimeouts(Duration.ofMinutes(3), Duration.ofMinutes(3), Duration.ofMinutes(2), imageTimeout, Duration.ofSeconds(1))
                .withLease(Duration.ofMinutes(2));
        return new ImageBuilder(cloud, settings, new InputResolver(SiteConfig.empty()), new RecipeHasher(),
                new ImageCatalog(cloud), Clock.systemUTC(), duration -> Thread.sleep(duration.toMillis()));
    }

    private BeamlineRecipe recipe() {
        return library.beamline(beamline).orElseThrow();
    }

    private void awaitNothingLeft() throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        while (!ours().isEmpty() && Instant.now().isBefore(deadline)) {
            Thread.sleep(500);
        }
        assertEquals(List.of(), ours().stream().map(CloudServer::name).toList(), "no build VM is left");
        assertEquals(List.of(), ourImages().stream().map(CloudImage::name).toList(), "no unfinished image is left");
    }

    @Test
    void aStepThatFailsInTheGuestFailsTheBuildAndLeavesNothing() throws Exception {
        playGuest(false);

        BuildFailedException error = assertThrows(BuildFailedException.class,
                () -> builder(Duration.ofMinutes(1)).build(recipe(), library, BuildListener.NONE));

        assertEquals("The build of " + beamline + " failed in the guest: step marker/write failed; checks failed: marker",
                error.getMessage());
        awaitNothingLeft();
    }

    /**
     * Through boot, signal, stop and snapshot on the real APIs. Nova's fake driver uploads no
     * snapshot data, so on this test bed Glance keeps the image queued and the build must give up
     * and clean up; where snapshots become active, the image must be validated and current.
     */
    @Test
    void aSuccessfulGuestGetsItsVmSnapshottedAndNothingHalfMadeStays() throws Exception {
        playGuest(true);
        List<String> progress = new java.util.concurrent.CopyOnWriteArrayList<>();

        try {
            BuildResult result = builder(Duration.ofSeconds(30)).build(recipe(), library, (b, message) -> progress.add(message));
            CloudImage image = cloud.findImage(result.imageId()).orElseThrow();
            assertEquals(beamline, image.properties().get(ImageProperties.BEAMLINE));
            assertEquals(result.recipeHash(), image.properties().get(ImageProperties.RECIPE_VERSION));
            assertEquals("[\"marker@1.0\"]", image.properties().get(ImageProperties.COMPONENTS));
            assertEquals(result.imageId(), CurrentImageRule.current(beamline, cloud.listImages(
                    Map.of(ImageProperties.BEAMLINE, beamline))).orElseThrow().id());
            assertEquals(List.of(), ours(), "builder and validation VMs are deleted");
        } catch (BuildFailedException e) {
            assertTrue(e.getMessage().matches("The snapshot \\S+ was still queued after PT30S"), e.getMessage());
            assertTrue(progress.stream().anyMatch(message -> message.startsWith("snapshotting into image heps-" + beamline)), progress.toString());
            awaitNothingLeft();
        }
    }

    @Test
    void killingABuildLeavesNothingAndSigkillLeftoversAreSwept() throws Exception {
        Process build = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ImageBuildOnTestBed.class.getName(),
                temp.resolve("images").toString(), beamline)
                .redirectErrorStream(true).redirectOutput(temp.resolve("build.log").toFile()).start();
        Instant deadline = Instant.now().plusSeconds(120);
        while (ours().isEmpty()) {
            assertTrue(build.isAlive() && Instant.now().isBefore(deadline), "the build did not boot its VM");
            Thread.sleep(500);
        }

        build.destroy();
        assertTrue(build.waitFor(60, TimeUnit.SECONDS));
        awaitNothingLeft();

        Process killed = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ImageBuildOnTestBed.class.getName(),
                temp.resolve("images").toString(), beamline)
                .redirectErrorStream(true).redirectOutput(temp.resolve("killed.log").toFile()).start();
        while (ours().isEmpty()) {
            assertTrue(killed.isAlive() && Instant.now().isBefore(deadline.plusSeconds(120)), "the second build did not boot its VM");
            Thread.sleep(500);
        }
        killed.destroyForcibly();
        assertTrue(killed.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, ours().size(), "SIGKILL skips the shutdown hook");

        LeftoverSweeper.Swept swept = new LeftoverSweeper(cloud,
                Clock.fixed(Instant.now().plus(ImageBuildOnTestBed.LEASE).plusSeconds(5), ZoneOffset.UTC)).sweep();
        assertTrue(swept.servers().size() >= 1, swept.toString());
        awaitNothingLeft();
    }
}
