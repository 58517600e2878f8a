package cn.ac.ihep.heps.agent.images.build;

import cn.ac.ihep.heps.agent.images.InMemoryCloud;
import cn.ac.ihep.heps.agent.images.PlayedGuest;
import cn.ac.ihep.heps.agent.images.SharedStateCloud;
import cn.ac.ihep.heps.agent.images.catalog.ImageCatalog;
import cn.ac.ihep.heps.agent.images.hash.RecipeHasher;
import cn.ac.ihep.heps.agent.images.recipe.InputResolver;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLoader;
import cn.ac.ihep.heps.agent.images.recipe.SiteConfigLoader;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * A build in its own JVM, for {@link KilledBuildTest} to kill. Arguments: state file, images
 * directory, site file, beamline, and the phase whose guest never answers (build or validate).
 */
public final class BuildInAnotherJvm {

    private BuildInAnotherJvm() {
    }

    public static void main(String[] args) {
        Path state = Path.of(args[0]);
        RecipeLibrary library = new RecipeLoader(Path.of(args[1])).load();
        String silentPhase = args[4];
        InMemoryCloud local = new InMemoryCloud();
        local.guest = (server, userData) -> {
            if (!PlayedGuest.phase(userData).equals(silentPhase)) {
                local.setServerMetadata(server.id(), Map.of(BuildConventions.META_RESULT,
                        PlayedGuest.resultLine(userData, null, component -> true)));
            }
        };
        CloudProvider cloud = SharedStateCloud.over(state, local);
        BuildSettings settings = BuildSettings.defaults("m1.builder", "heps-build-net")
                .withTimeouts(Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(1), Duration.ofMinutes(1),
                        Duration.ofMillis(100))
                .withLease(Duration.ofSeconds(3));
        ImageBuilder builder = new ImageBuilder(cloud, settings,
                new InputResolver(new SiteConfigLoader().load(Path.of(args[2]))), new RecipeHasher(), new ImageCatalog(cloud),
                Clock.systemUTC(), duration -> Thread.sleep(duration.toMillis()));
        builder.build(library.beamline(args[3]).orElseThrow(), library,
                (beamline, message) -> System.out.println(beamline + ": " + message));
    }
}
