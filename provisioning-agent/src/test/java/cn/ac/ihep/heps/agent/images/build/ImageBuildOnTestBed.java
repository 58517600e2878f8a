package cn.ac.ihep.heps.agent.images.build;

import cn.ac.ihep.heps.agent.images.catalog.ImageCatalog;
import cn.ac.ihep.heps.agent.images.hash.RecipeHasher;
import cn.ac.ihep.heps.agent.images.recipe.InputResolver;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLibrary;
import cn.ac.ihep.heps.agent.images.recipe.RecipeLoader;
import cn.ac.ihep.heps.agent.images.recipe.SiteConfig;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.testsupport.openstack.OpenStackTestBed;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/** A build on the test bed in its own JVM, whose guest never answers, for {@code ImageBuildIT} to kill. */
public final class ImageBuildOnTestBed {

    static final Duration LEASE = Duration.ofSeconds(30);

    private ImageBuildOnTestBed() {
    }

    public static void main(String[] args) {
        RecipeLibrary library = new RecipeLoader(Path.of(args[0])).load();
        CloudProvider cloud = OpenStackTestBed.find().provider();
        BuildSettings settings = BuildSettings.defaults(OpenStackTestBed.CPU_FLAVOR, OpenStackTestBed.NETWORK)
                .withTimeouts(Duration.ofMinutes(10), Duration.ofMinutes(10), Duration.ofMinutes(2), Duration.ofMinutes(2),
                        Duration.ofSeconds(1))
                .withLease(LEASE);
        ImageBuilder builder = new ImageBuilder(cloud, settings, new InputResolver(SiteConfig.empty()), new RecipeHasher(),
                new ImageCatalog(cloud), Clock.systemUTC(), duration -> Thread.sleep(duration.toMillis()));
        builder.build(library.beamline(args[1]).orElseThrow(), library,
                (beamline, message) -> System.out.println(beamline + ": " + message));
    }
}
