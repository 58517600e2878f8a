package cn.ac.ihep.heps.agent.images.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.images.InMemoryCloud;
import cn.ac.ihep.heps.agent.images.PlayedGuest;
import cn.ac.ihep.heps.agent.images.RecipeFixtures;
import cn.ac.ihep.heps.agent.images.catalog.BuildImageProperties;
import cn.ac.ihep.heps.agent.images.catalog.ImageCatalog;
import cn.ac.ihep.heps.agent.images.hash.RecipeHasher;
import cn.ac.ihep.heps.agent.images.recipe.BeamlineRecipe;
import cn.ac.ihep.heps.agent.images.recipe.InputResolver;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLoader;
import cn.ac.ihep.heps.agent.images.recipe.SiteConfigLoader;
import cn.ac.ihep.heps.agent.images.recipe.SkippedComponent;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageBuilderTest {

    @TempDir
    Path temp;

    private final InMemoryCloud cloud = new InMemoryCloud();
    private final List<String> progress = new ArrayList<>();
    private RecipeLibrary library;
    private BeamlineRecipe highPressure;
    private ImageBuilder builder;

    @BeforeEach
    void setUp() {
        library = new RecipeLoader(RecipeFixtures.repositoryImages()).load();
        highPressure = library.beamline("high-pressure").orElseThrow();
        cloud.addImage(highPressure.baseImage().name(), "active", Map.of("os_distro", "ubuntu"));
        BuildSettings settings = BuildSettings.defaults("m1.builder", "heps-build-net")
                .withTimeouts(Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(1));
        builder = new ImageBuilder(cloud, settings, new InputResolver(GuestScriptTest.exampleSite(temp)), new RecipeHasher(),
                new ImageCatalog(cloud), Clock.systemUTC(), duration -> { });
    }

    private BuildResult build() {
        return builder.build(highPressure, library, (beamline, message) -> progress.add(message));
    }

    private void guestSucceeds() {
        cloud.guest = (server, userData) -> cloud.setServerMetadata(server.id(),
                Map.of(BuildConventions.META_RESULT, PlayedGuest.resultLine(userData, null, component -> true)));
    }

    private List<CloudImage> builtImages() {
        return cloud.images.values().stream().filter(image -> !image.name().equals(highPressure.baseImage().name())).toList();
    }

    @Test
    void aSuccessfulBuildLeavesOneValidatedPromotedImageAndNoVm() {
        guestSucceeds();

        BuildResult result = build();

        assertTrue(cloud.servers.isEmpty(), "builder and validation VMs are deleted");
        assertEquals(1, builtImages().size());
        CloudImage image = cloud.images.get(result.imageId());
        assertEquals("high-pressure", image.properties().get(ImageProperties.BEAMLINE));
        assertEquals("high-pressure", image.properties().get(ImageProperties.RECIPE));
        assertEquals(result.recipeHash(), image.properties().get(ImageProperties.RECIPE_VERSION));
        assertEquals("linux", image.properties().get(ImageProperties.OS_TYPE));
        assertEquals(ImageCatalog.toJson(result.components()), image.properties().get(ImageProperties.COMPONENTS));
        assertTrue(result.components().contains("dioptas@0.11.0"));
        assertEquals("q35", image.properties().get("hw_machine_type"));
        assertEquals(BuildImageProperties.STATE_VALIDATED, image.properties().get(BuildImageProperties.BUILD_STATE));
        assertEquals("true", image.properties().get(BuildImageProperties.CURRENT));
        assertEquals(result.imageId(), new ImageCatalog(cloud).current("high-pressure").orElseThrow().id());
        assertTrue(progress.stream().anyMatch(message -> message.startsWith("validation boot of")), progress.toString());
    }

    @Test
    void theValidationBootRunsTheImageOnTheHardwareTheRecipeNames() {
        List<Map<String, String>> booted = new ArrayList<>();
        cloud.guest = (server, userData) -> {
            if (!server.imageId().equals(cloud.images.values().stream()
                    .filter(image -> image.name().equals(highPressure.baseImage().name())).findFirst().orElseThrow().id())) {
                booted.add(Map.copyOf(cloud.images.get(server.imageId()).properties()));
            }
            cloud.setServerMetadata(server.id(),
                    Map.of(BuildConventions.META_RESULT, PlayedGuest.resultLine(userData, null, component -> true)));
        };

        build();

        assertEquals(1, booted.size(), "one validation boot of the new image");
        assertEquals("q35", booted.get(0).get("hw_machine_type"), booted.get(0).toString());
        assertEquals(BuildImageProperties.STATE_UNVALIDATED, booted.get(0).get(BuildImageProperties.BUILD_STATE));
        assertFalse(booted.get(0).containsKey(ImageProperties.BEAMLINE), "not yet an image desktops may boot");
    }

    @Test
    void aStepThatFailsInTheGuestFailsTheBuildAndRemovesTheBuilder() {
        cloud.guest = (server, userData) -> cloud.setServerMetadata(server.id(), Map.of(BuildConventions.META_RESULT,
                PlayedGuest.resultLine(userData, "dioptas/install", component -> !component.equals("dioptas"))));

        BuildFailedException error = assertThrows(BuildFailedException.class, this::build);

        assertEquals("The build of high-pressure failed in the guest: step dioptas/install failed; checks failed: dioptas",
                error.getMessage());
        assertTrue(cloud.servers.isEmpty());
        assertTrue(builtImages().isEmpty());
    }

    @Test
    void aFailedValidationBootDeletesTheNewImageAndKeepsTheCurrentOne() {
        guestSucceeds();
        String current = build().imageId();
        cloud.guest = (server, userData) -> cloud.setServerMetadata(server.id(), Map.of(BuildConventions.META_RESULT,
                PlayedGuest.resultLine(userData, null, component -> !(PlayedGuest.phase(userData).equals("validate")
                        && component.equals("linux-vnc")))));

        BuildFailedException error = assertThrows(BuildFailedException.class, this::build);

        assertEquals("The validation boot of high-pressure failed: checks failed: linux-vnc", error.getMessage());
        assertTrue(cloud.servers.isEmpty());
        assertEquals(List.of(current), builtImages().stream().map(CloudImage::id).toList());
        assertEquals(current, new ImageCatalog(cloud).current("high-pressure").orElseThrow().id());
    }

    @Test
    void aGuestThatNeverSignalsTimesOutAndIsRemoved() {
        BuildSettings impatient = BuildSettings.defaults("m1.builder", "heps-build-net")
                .withTimeouts(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
        ImageBuilder quick = new ImageBuilder(cloud, impatient, new InputResolver(GuestScriptTest.exampleSite(temp)),
                new RecipeHasher(), new ImageCatalog(cloud), Clock.systemUTC(), duration -> Thread.sleep(5));

        BuildFailedException error = assertThrows(BuildFailedException.class,
                () -> quick.build(highPressure, library, BuildListener.NONE));

        assertTrue(error.getMessage().startsWith("No build result from VM"), error.getMessage());
        assertTrue(cloud.servers.isEmpty());
    }

    @Test
    void withoutPromotionTheCurrentImageStaysCurrent() {
        guestSucceeds();
        String first = build().imageId();
        BuildSettings noPromote = BuildSettings.defaults("m1.builder", "heps-build-net")
                .withTimeouts(Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(1))
                .withKeepVersions(3, false);
        // Undo the first build's promotion: the newest-image rule alone would make the next build current.
        cloud.updateImageProperties(first, Map.of(BuildImageProperties.CURRENT, "false"));
        ImageBuilder quiet = new ImageBuilder(cloud, noPromote, new InputResolver(GuestScriptTest.exampleSite(temp)),
                new RecipeHasher(), new ImageCatalog(cloud), Clock.systemUTC(), duration -> { });

        BuildResult second = quiet.build(highPressure, library, BuildListener.NONE);

        assertFalse(second.promoted());
        assertEquals(first, new ImageCatalog(cloud).current("high-pressure").orElseThrow().id());
        new ImageCatalog(cloud).promote("high-pressure", second.imageId());
        assertEquals(second.imageId(), new ImageCatalog(cloud).current("high-pressure").orElseThrow().id());
    }

    @Test
    void leftoversOfDeadBuildsAreRemovedAndLiveOnesKept() {
        Instant now = Instant.parse("2026-11-25T09:00:00Z");
        String deadVm = cloud.addServer("heps-build-high-pressure-dead", Set.of(BuildConventions.BUILDER_TAG),
                Map.of(BuildConventions.META_LEASE_UNTIL, "2026-11-25T08:50:00Z", BuildConventions.META_IMAGE_NAME, "heps-high-pressure-dead"), null);
        String untagged = cloud.addImage("heps-high-pressure-dead", "queued", Map.of());
        String liveVm = cloud.addServer("heps-build-tender-xray-live", Set.of(BuildConventions.BUILDER_TAG),
                Map.of(BuildConventions.META_LEASE_UNTIL, "2026-11-25T09:05:00Z"), null);
        String deadImage = cloud.addImage("heps-tender-xray-old", "active", Map.of(
                BuildImageProperties.BUILD_STATE, BuildImageProperties.STATE_UNVALIDATED,
                BuildImageProperties.BUILD_LEASE_UNTIL, "2026-11-25T08:00:00Z"));
        String liveImage = cloud.addImage("heps-tender-xray-live", "active", Map.of(
                BuildImageProperties.BUILD_STATE, BuildImageProperties.STATE_UNVALIDATED,
                BuildImageProperties.BUILD_LEASE_UNTIL, "2026-11-25T09:05:00Z"));
        String desktop = cloud.addServer("desktop-of-alice", Set.of("heps-desktop"), Map.of(), null);

        LeftoverSweeper.Swept swept = new LeftoverSweeper(cloud, Clock.fixed(now, ZoneOffset.UTC)).sweep();

        assertEquals(List.of(deadVm), swept.servers());
        assertEquals(Set.of(untagged, deadImage), Set.copyOf(swept.images()));
        assertEquals(Set.of(liveVm, desktop), cloud.servers.keySet());
        assertTrue(cloud.images.containsKey(liveImage));
        assertFalse(cloud.images.containsKey(deadImage));
    }

    @Test
    void buildsKeepTheNewestVersionsAndPromoteKeepsItsChoice() {
        guestSucceeds();
        List<String> built = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            built.add(build().imageId());
        }
        // keepVersions is 3 by default: the two oldest are gone.
        assertEquals(built.subList(2, 5), builtImages().stream().map(CloudImage::id).toList());

        ImageCatalog catalog = new ImageCatalog(cloud);
        catalog.promote("high-pressure", built.get(2));
        assertEquals(built.get(2), catalog.current("high-pressure").orElseThrow().id());
        assertEquals(1, catalog.versions("high-pressure").stream().filter(version -> version.promoted()).count());

        catalog.prune("high-pressure", 1, false);
        // The promoted (current) image stays although it is not the newest.
        assertEquals(Set.of(built.get(2), built.get(4)), Set.copyOf(builtImages().stream().map(CloudImage::id).toList()));
    }

    @Test
    void aSkippedComponentIsRecordedOnTheImageAndSaidOnce() {
        guestSucceeds();
        ImageBuilder withoutFit2d = new ImageBuilder(cloud, BuildSettings.defaults("m1.builder", "heps-build-net"),
                new InputResolver(new SiteConfigLoader().load(GuestScriptTest.exampleSiteFileWithout(temp, "fit2d"))),
                new RecipeHasher(), new ImageCatalog(cloud), Clock.systemUTC(), duration -> { });

        BuildResult result = withoutFit2d.build(highPressure, library, (beamline, message) -> progress.add(message));

        CloudImage image = cloud.images.get(result.imageId());
        assertEquals("fit2d", image.properties().get(BuildImageProperties.SKIPPED_COMPONENTS));
        assertEquals(List.of("fit2d"), result.skipped().stream().map(SkippedComponent::component).toList());
        assertFalse(result.components().stream().anyMatch(component -> component.startsWith("fit2d@")), result.components().toString());
        assertFalse(result.checks().containsKey("fit2d"), "a skipped component is not checked");
        assertEquals(1, progress.stream().filter(message -> message.startsWith("fit2d: skipped, input binary_url")).count(),
                progress.toString());
        assertNotEquals(new RecipeHasher().fingerprint(highPressure, library, List.of()).recipeHash(),
                image.properties().get(ImageProperties.RECIPE_VERSION));
    }

    @Test
    void anImageThatSkipsNothingHasNoSkippedProperty() {
        guestSucceeds();

        CloudImage image = cloud.images.get(build().imageId());

        assertFalse(image.properties().containsKey(BuildImageProperties.SKIPPED_COMPONENTS), image.properties().toString());
    }
}
