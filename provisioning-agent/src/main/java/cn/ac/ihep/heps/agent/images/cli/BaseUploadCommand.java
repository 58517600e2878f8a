package cn.ac.ihep.heps.agent.images.cli;

import cn.ac.ihep.heps.agent.cli.support.ExitCode;
import cn.ac.ihep.heps.agent.cli.support.Progress;
import cn.ac.ihep.heps.agent.cli.support.TablePrinter;
import cn.ac.ihep.heps.agent.images.base.BaseImageBuilder;
import cn.ac.ihep.heps.agent.images.base.BuiltBaseImage;
import cn.ac.ihep.heps.agent.images.recipe.BaseImageRecipe;
import cn.ac.ihep.heps.common.cloud.CloudImage;
import cn.ac.ihep.heps.common.cloud.CloudNotFoundException;
import cn.ac.ihep.heps.common.cloud.CloudProvider;
import cn.ac.ihep.heps.common.cloud.ImageUpload;
import cn.ac.ihep.heps.common.desktop.ImageProperties;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code heps images base upload}: a base image into Glance under the name beamline recipes give
 * as their {@code base_image}, once. Two operators uploading the same base at once end with one
 * active image of that name: the oldest is kept, the others are deleted.
 */
@Command(name = "upload", mixinStandardHelpOptions = true,
        description = {"Upload each named base image (default: all in images/base) to Glance as qcow2, taking it from",
                "the cache or building it first as `build` does. An image already active in Glance under the same",
                "name is left as it is. Credentials come from clouds.yaml / OS_* as for the other verbs."})
class BaseUploadCommand extends BaseVerb {

    static final String DISK_FORMAT = "qcow2";
    static final String CONTAINER_FORMAT = "bare";
    static final String RECIPE_PROPERTY = "heps_base_recipe";
    static final String KEY_PROPERTY = "heps_base_key";

    @Option(names = "--public", description = "Share the image with every project (needs admin); by default only this project sees it.")
    boolean shared;

    @Option(names = "--timeout", paramLabel = "MINUTES", defaultValue = "60",
            description = "Give up on one image's upload after this long, deleting what was sent (default: ${DEFAULT-VALUE}).")
    long timeoutMinutes;

    static final String ALREADY_IN_GLANCE = "already in Glance";

    /** One row of the result: {@code result} is "uploaded in N s" or {@value #ALREADY_IN_GLANCE}. */
    record Result(String name, String imageId, long sizeBytes, String result) {
    }

    @Override
    Integer execute() {
        List<BaseImageRecipe> recipes = recipes();
        BaseImageBuilder builder = builder();
        CloudProvider cloud = cloud();
        List<Result> results = new ArrayList<>();
        try (Progress progress = Progress.onStderr()) {
            for (BaseImageRecipe recipe : recipes) {
                BuiltBaseImage image = build(builder, recipe, false, progress);
                results.add(upload(cloud, recipe, image, progress));
            }
        }
        TablePrinter table = new TablePrinter("IMAGE", "ID", "SIZE", "RESULT");
        output.printer().printList(results, table, result -> table.row(result.name(), result.imageId(),
                megabytes(result.sizeBytes()), result.result()));
        return ExitCode.OK;
    }

    private Result upload(CloudProvider cloud, BaseImageRecipe recipe, BuiltBaseImage image, Progress progress) {
        List<CloudImage> active = activeNamed(cloud, image.name());
        if (!active.isEmpty()) {
            progress.step(image.name() + ": already in Glance as " + active.get(0).id());
            return new Result(image.name(), active.get(0).id(), image.sizeBytes(), ALREADY_IN_GLANCE);
        }
        progress.step(image.name() + ": uploading " + image.qcow2() + " (" + megabytes(image.sizeBytes()) + ")");
        Instant started = Instant.now();
        CloudImage uploaded = cloud.uploadImage(new ImageUpload(image.name(), DISK_FORMAT, CONTAINER_FORMAT, shared,
                properties(recipe, image)), image.qcow2(), Duration.ofMinutes(timeoutMinutes));
        long seconds = Duration.between(started, Instant.now()).toSeconds();
        CloudImage kept = keepOldest(cloud, image.name(), progress);
        String result = "uploaded in " + seconds + " s" + (kept.id().equals(uploaded.id()) ? ""
                : " (an older upload of the same name is kept; this one, " + uploaded.id() + ", was deleted)");
        return new Result(image.name(), kept.id(), image.sizeBytes(), result);
    }

    /** CONTRACTS §2: how Nova should boot the image, and which recipe and cache key it was built from. */
    static Map<String, String> properties(BaseImageRecipe recipe, BuiltBaseImage image) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put(ImageProperties.OS_TYPE, recipe.os().wireName());
        properties.put("os_distro", "debian");
        properties.put("hw_disk_bus", "virtio");
        properties.put("hw_vif_model", "virtio");
        properties.put("hw_qemu_guest_agent", "yes");
        properties.put(RECIPE_PROPERTY, recipe.name());
        properties.put(KEY_PROPERTY, image.key());
        return properties;
    }

    /**
     * After an upload, at most one active image of the name may stay: the oldest (by creation,
     * then id), so that every uploader racing for the name picks the same one.
     */
    private static CloudImage keepOldest(CloudProvider cloud, String name, Progress progress) {
        List<CloudImage> active = activeNamed(cloud, name);
        if (active.isEmpty()) {
            throw new CloudNotFoundException("The uploaded image " + name + " is no longer active in Glance");
        }
        CloudImage kept = active.get(0);
        for (CloudImage extra : active.subList(1, active.size())) {
            try {
                cloud.deleteImage(extra.id());
            } catch (CloudNotFoundException alreadyGone) {
                // The other uploader deleted it first.
            }
        }
        if (active.size() > 1) {
            progress.step(name + ": " + active.size() + " active images of this name; kept the oldest, " + kept.id()
                    + ", deleted " + active.subList(1, active.size()).stream().map(CloudImage::id).toList());
        }
        return kept;
    }

    /** The active images of exactly this name, oldest first. */
    static List<CloudImage> activeNamed(CloudProvider cloud, String name) {
        return cloud.listImages(Map.of("name", name)).stream()
                .filter(image -> name.equals(image.name()) && "active".equals(image.status()))
                .sorted(Comparator.comparing((CloudImage image) -> image.created() == null ? Instant.MAX : image.created())
                        .thenComparing(CloudImage::id))
                .toList();
    }
}
