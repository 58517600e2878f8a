package cn.ac.ihep.heps.agent.images.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cn.ac.ihep.heps.agent.images.InMemoryCloud;
import cn.ac.ihep.heps.agent.images.RecipeFixtures;
import cn.ac.ihep.heps.agent.images.SharedStateCloud;
import cn.ac.ihep.heps.agent.images.catalog.BuildImageProperties;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.CloudServer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a build running in another JVM and checks that nothing is left behind: SIGTERM runs the
 * shutdown hook, which removes the VMs and the unfinished image at once; after SIGKILL the next
 * run's sweep removes them once the lease has passed.
 */
class KilledBuildTest {

    @TempDir
    Path temp;

    private Path state;
    private Path site;
    private CloudProvider cloud;

    @BeforeEach
    void setUp() {
        state = temp.resolve("cloud.json");
        site = GuestScriptTest.exampleSiteFile(temp);
        cloud = SharedStateCloud.over(state, new InMemoryCloud());
        InMemoryCloud seed = new InMemoryCloud();
        seed.addImage("heps-base-ubuntu-24.04-20251104", "active", Map.of());
        SharedStateCloud.seed(state, seed);
    }

    private Process startBuild(String silentPhase) throws Exception {
        ProcessBuilder java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), BuildInAnotherJvm.class.getName(),
                state.toString(), RecipeFixtures.repositoryImages().toString(), site.toString(), "high-pressure", silentPhase)
                .redirectErrorStream(true).redirectOutput(temp.resolve("build-" + silentPhase + ".log").toFile());
        return java.start();
    }

    private void awaitState(Predicate<SharedStateCloud.State> condition, Process build) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        while (!condition.test(SharedStateCloud.read(state))) {
            assertTrue(build.isAlive(), "the build ended early");
            assertTrue(Instant.now().isBefore(deadline), "timed out waiting for the build");
            Thread.sleep(50);
        }
    }

    private static boolean hasBuilder(SharedStateCloud.State state, String phase) {
        return state.servers().values().stream().anyMatch(server -> phase.equals(server.metadata().get(BuildConventions.META_PHASE))
                && server.state() == cn.ac.ihep.heps.common.cloud.ServerState.ACTIVE);
    }

    private List<CloudImage> builtImages() {
        return SharedStateCloud.read(state).images().values().stream()
                .filter(image -> image.name().startsWith("heps-high-pressure-")).toList();
    }

    @Test
    void sigtermDuringTheBuildRemovesTheBuilderVm() throws Exception {
        Process build = startBuild("build");
        awaitState(s -> hasBuilder(s, "build"), build);

        build.destroy();

        assertTrue(build.waitFor(60, TimeUnit.SECONDS));
        assertEquals(Map.of(), SharedStateCloud.read(state).servers());
        assertEquals(List.of(), builtImages());
    }

    @Test
    void sigtermDuringTheValidationBootRemovesTheVmAndTheUnfinishedImage() throws Exception {
        Process build = startBuild("validate");
        awaitState(s -> hasBuilder(s, "validate"), build);
        assertEquals(1, builtImages().size(), "the snapshot exists while it is validated");

        build.destroy();

        assertTrue(build.waitFor(60, TimeUnit.SECONDS));
        assertEquals(Map.of(), SharedStateCloud.read(state).servers());
        assertEquals(List.of(), builtImages());
    }

    @Test
    void afterSigkillTheNextRunRemovesTheLeftoversOnceTheLeaseHasPassed() throws Exception {
        Process build = startBuild("validate");
        awaitState(s -> hasBuilder(s, "validate"), build);

        build.destroyForcibly();
        assertTrue(build.waitFor(60, TimeUnit.SECONDS));
        List<CloudServer> left = List.copyOf(SharedStateCloud.read(state).servers().values());
        assertEquals(1, left.size(), "SIGKILL skips the shutdown hook");
        assertEquals(BuildImageProperties.STATE_UNVALIDATED, builtImages().get(0).properties().get(BuildImageProperties.BUILD_STATE));

        // Within the lease the leftovers could belong to a live build: they stay.
        assertTrue(new LeftoverSweeper(cloud, Clock.systemUTC()).sweep().isEmpty());
        Clock afterLease = Clock.fixed(Instant.now().plus(Duration.ofSeconds(10)), ZoneOffset.UTC);
        LeftoverSweeper.Swept swept = new LeftoverSweeper(cloud, afterLease).sweep();

        assertEquals(List.of(left.get(0).id()), swept.servers());
        assertEquals(Map.of(), SharedStateCloud.read(state).servers());
        assertEquals(List.of(), builtImages());
    }
}
