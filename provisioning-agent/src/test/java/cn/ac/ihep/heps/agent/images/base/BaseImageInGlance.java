package cn.ac.ihep.heps.agent.images.base;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cn.ac.ihep.heps.agent.cli.HepsCommand;
import cn.ac.ihep.heps.agent.images.RecipeFixtures;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageParser;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageRecipe;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The repository's Debian base image in the test bed's Glance, the way an operator puts it there:
 * {@code heps images base upload}, which takes the cached qcow2 (or builds it) and uploads it once.
 */
public final class BaseImageInGlance {
    public static final String RECIPE = "debian-12-desktop";

    private BaseImageInGlance() {
    }

    /** The Glance name beamline recipes give as {@code base_image.name}. */
    public static String name() {
        BaseImageRecipe recipe = new BaseImageParser().load(
                RecipeFixtures.repositoryImages().resolve(BaseImageParser.BASE_DIR).resolve(RECIPE + ".yaml"));
        return BaseImageBuilder.imageName(recipe);
    }

    /** The active image's id, after {@code heps images base upload}; {@code scratch} holds an empty agent configuration. */
    public static String ensure(CloudProvider cloud, Path scratch) {
        Instant started = Instant.now();
        Path config;
        try {
            config = Files.writeString(Files.createDirectories(scratch).resolve("base-upload.properties"), "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int code = HepsCommand.commandLine(new HepsCommand(configuration -> cloud, Clock.systemUTC())).execute(
                "--config", config.toString(), "images", "base", "upload", RECIPE,
                "--images", RecipeFixtures.repositoryImages().toString());
        assertEquals(0, code, "heps images base upload " + RECIPE);
        String name = name();
        CloudImage image = cloud.listImages(Map.of("name", name)).stream().filter(i -> "active".equals(i.status()))
                .findFirst().orElseThrow(() -> new AssertionError(name + " is not active in Glance after the upload"));
        System.out.printf("base image %s in Glance after %d s%n", name, Duration.between(started, Instant.now()).toSeconds());
        return image.id();
    }
}
