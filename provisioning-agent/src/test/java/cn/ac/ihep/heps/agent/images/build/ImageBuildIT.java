package cn.ac.ihep.heps.agent.images.build;

import static cn.ac.ihep.heps.agent.images.RecipeFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.cli.HepsCommand;
import cn.ac.ihep.heps.agent.images.catalog.BuildImageProperties;
import cn.ac.ihep.heps.agent.images.catalog.ImageCatalog;
import cn.ac.ihep.heps.agent.images.hash.RecipeHasher;
import cn.ac.ihep.heps.agent.images.plan.BuildPlanner;
import cn.ac.ihep.heps.agent.images.plan.PlanEntry;
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
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
    /** "phase:build-id" of every boot the played guest answered, in order. */
    private final List<String> answered = new java.util.concurrent.CopyOnWriteArrayList<>();

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
                String boot = server.metadata().get(BuildConventions.META_PHASE) + ":" + server.metadata().get(BuildConventions.META_BUILD_ID);
                if (!answered.contains(boot)) {
                    answered.add(boot); // a slow listing may show the VM again before its metadata
                }
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
     * The whole pipeline on the real APIs: boot, signal, stop, snapshot (the test bed uploads a
     * small disk, so Glance makes it active), properties, validation boot, promotion; then a second
     * build through the CLI, a prune to one image, and a plan that finds nothing to do.
     */
    @Test
    void aSuccessfulBuildIsValidatedPromotedPrunedAndUpToDate() throws Exception {
        playGuest(true);
        List<String> progress = new java.util.concurrent.CopyOnWriteArrayList<>();

        BuildResult first = builder(Duration.ofMinutes(3)).build(recipe(), library, (b, message) -> progress.add(message));

        CloudImage image = cloud.findImage(first.imageId()).orElseThrow();
        assertEquals("active", image.status());
        assertEquals(beamline, image.properties().get(ImageProperties.BEAMLINE));
        assertEquals(beamline, image.properties().get(ImageProperties.RECIPE));
        assertEquals(new RecipeHasher().fingerprint(recipe(), library, List.of()).recipeHash(), image.properties().get(ImageProperties.RECIPE_VERSION));
        assertEquals(first.recipeHash(), image.properties().get(ImageProperties.RECIPE_VERSION));
        assertEquals("[\"marker@1.0\"]", image.properties().get(ImageProperties.COMPONENTS));
        assertEquals("linux", image.properties().get(ImageProperties.OS_TYPE));
        assertEquals("q35", image.properties().get("hw_machine_type"));
        assertEquals(BuildImageProperties.STATE_VALIDATED, image.properties().get(BuildImageProperties.BUILD_STATE));
        assertEquals(List.of(BuildConventions.PHASE_BUILD + ":" + first.buildId(), BuildConventions.PHASE_VALIDATE + ":" + first.buildId()),
                answered, "the guest answered the builder boot and then the validation boot of the new image");
        assertTrue(first.promoted());
        assertEquals("true", image.properties().get(BuildImageProperties.CURRENT));
        assertEquals(List.of(), ours(), "builder and validation VMs are deleted");
        assertEquals(List.of(), cloud.listImages(Map.of(BuildImageProperties.BUILD_STATE, BuildImageProperties.STATE_UNVALIDATED))
                .stream().filter(i -> i.name() != null && i.name().startsWith("heps-" + beamline + "-")).toList(), "no half-made image");

        JsonNode built = heps("images", "build", beamline, "--force", "--keep", "5",
                "--flavor", OpenStackTestBed.CPU_FLAVOR, "--network", OpenStackTestBed.NETWORK, "--output", "json");
        assertEquals(1, built.size(), built.toString());
        assertEquals(beamline, built.get(0).get("beamline").asText());
        assertEquals("built", built.get(0).get("status").asText(), built.toString());
        String second = built.get(0).get("imageId").asText();
        assertTrue(second.length() > 0 && !second.equals(first.imageId()), built.toString());
        assertEquals(4, answered.size(), answered.toString());
        assertEquals(List.of(), ours(), "the CLI build leaves no VM");

        Map<String, String> currentById = new java.util.HashMap<>();
        cloud.listImages(Map.of(ImageProperties.BEAMLINE, beamline))
                .forEach(i -> currentById.put(i.id(), i.properties().get(BuildImageProperties.CURRENT)));
        assertEquals(Map.of(first.imageId(), "false", second, "true"), currentById, "only the newest build is current");

        ImageCatalog catalog = new ImageCatalog(cloud);
        catalog.prune(beamline, 1, false);
        assertEquals(List.of(second), cloud.listImages(Map.of(ImageProperties.BEAMLINE, beamline)).stream()
                .map(CloudImage::id).toList(), "prune --keep 1 leaves the current image only");
        assertTrue(cloud.findImage(first.imageId()).isEmpty() || "deleted".equals(cloud.findImage(first.imageId()).get().status()));

        PlanEntry plan = new BuildPlanner(new RecipeHasher(), catalog, new InputResolver(SiteConfig.empty())).plan(library, List.of(beamline)).get(0);
        assertEquals(PlanEntry.Action.UP_TO_DATE, plan.action(), plan.toString());
        assertEquals(second, plan.currentImageId());
    }

    /** Runs {@code heps} against the test bed and returns its JSON output; fails on a non-zero exit. */
    private JsonNode heps(String... args) throws Exception {
        Path config = java.nio.file.Files.writeString(temp.resolve("agent.properties"), "");
        List<String> all = new java.util.ArrayList<>(List.of("--config", config.toString()));
        all.addAll(List.of(args));
        all.addAll(List.of("--images", temp.resolve("images").toString()));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream previousOut = System.out;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        int code;
        try {
            code = HepsCommand.commandLine(new HepsCommand(configuration -> cloud, Clock.systemUTC()))
                    .execute(all.toArray(String[]::new));
        } finally {
            System.setOut(previousOut);
        }
        String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, code, text);
        return new ObjectMapper().readTree(text);
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
